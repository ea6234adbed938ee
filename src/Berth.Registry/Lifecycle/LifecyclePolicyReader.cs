using System.Text.Json;

namespace Berth.Registry.Lifecycle;

/// <summary>
/// Reads policy JSON with the strictness of ECR's schema: unknown or <c>null</c> members, wrong types and
/// contradictory selections are refused with a reason, so a policy ECR rejects is rejected here too.
/// </summary>
internal static class LifecyclePolicyReader
{
    private static readonly string[] RootMembers = ["rules"];
    private static readonly string[] RuleMembers = ["rulePriority", "description", "selection", "action"];
    private static readonly string[] SelectionMembers =
        ["tagStatus", "tagPrefixList", "tagPatternList", "storageClass", "countType", "countUnit", "countNumber"];

    private static readonly string[] ActionMembers = ["type", "targetStorageClass"];

    public static LifecyclePolicy Read(JsonElement root)
    {
        RequireObject(root, "the policy", RootMembers);
        var rulesElement = Required(root, "rules", "the policy");
        if (rulesElement.ValueKind != JsonValueKind.Array || rulesElement.GetArrayLength() == 0)
        {
            throw LifecyclePolicy.Invalid("'rules' must be a non-empty array");
        }

        var rules = rulesElement.EnumerateArray().Select(ReadRule).OrderBy(rule => rule.RulePriority).ToList();
        CheckRuleSet(rules);
        return new LifecyclePolicy(rules);
    }

    private static LifecycleRule ReadRule(JsonElement rule, int index)
    {
        var where = $"rules[{index}]";
        RequireObject(rule, where, RuleMembers);
        var priority = PositiveInteger(Required(rule, "rulePriority", where), $"{where}.rulePriority");
        var description = rule.TryGetProperty("description", out var text) ? String(text, $"{where}.description") : null;

        var selection = Required(rule, "selection", where);
        where += ".selection";
        RequireObject(selection, where, SelectionMembers);
        var tagStatus = Required(selection, "tagStatus", where).ValueKind == JsonValueKind.String
            ? selection.GetProperty("tagStatus").GetString() switch
            {
                "tagged" => RuleTagStatus.Tagged,
                "untagged" => RuleTagStatus.Untagged,
                "any" => RuleTagStatus.Any,
                var other => throw LifecyclePolicy.Invalid($"{where}.tagStatus '{other}' is not one of tagged, untagged, any"),
            }
            : throw LifecyclePolicy.Invalid($"{where}.tagStatus must be a string");
        var prefixes = StringList(selection, "tagPrefixList", where);
        var patterns = StringList(selection, "tagPatternList", where);
        CheckTagLists(tagStatus, prefixes, patterns, where);

        if (selection.TryGetProperty("storageClass", out var storageClass) && String(storageClass, $"{where}.storageClass") != "standard")
        {
            throw LifecyclePolicy.Invalid($"{where}.storageClass: only 'standard' is supported; this registry has no archive storage class");
        }

        var countType = String(Required(selection, "countType", where), $"{where}.countType") switch
        {
            "imageCountMoreThan" => CountType.ImageCountMoreThan,
            "sinceImagePushed" => CountType.SinceImagePushed,
            "sinceImagePulled" => CountType.SinceImagePulled,
            "sinceImageTransitioned" => throw LifecyclePolicy.Invalid($"{where}.countType 'sinceImageTransitioned' needs archive storage, which this registry does not have"),
            var other => throw LifecyclePolicy.Invalid($"{where}.countType '{other}' is not one of imageCountMoreThan, sinceImagePushed, sinceImagePulled"),
        };
        CheckCountUnit(selection, countType, where);
        var countNumber = PositiveInteger(Required(selection, "countNumber", where), $"{where}.countNumber");

        ReadAction(Required(rule, "action", $"rules[{index}]"), $"rules[{index}].action");
        return new LifecycleRule(priority, description, tagStatus, prefixes, patterns, countType, countNumber);
    }

    private static void CheckTagLists(RuleTagStatus tagStatus, IReadOnlyList<string> prefixes, IReadOnlyList<string> patterns, string where)
    {
        if (tagStatus == RuleTagStatus.Tagged)
        {
            if ((prefixes.Count == 0) == (patterns.Count == 0))
            {
                throw LifecyclePolicy.Invalid($"{where}: tagStatus 'tagged' needs exactly one of a non-empty tagPrefixList or tagPatternList");
            }
        }
        else if (prefixes.Count > 0 || patterns.Count > 0)
        {
            throw LifecyclePolicy.Invalid($"{where}: tagPrefixList and tagPatternList are only allowed with tagStatus 'tagged'");
        }

        if (patterns.FirstOrDefault(pattern => pattern.Count(c => c == '*') > TagPattern.MaxWildcards) is { } tooWild)
        {
            throw LifecyclePolicy.Invalid($"{where}.tagPatternList: '{tooWild}' has more than {TagPattern.MaxWildcards} wildcards");
        }
    }

    private static void CheckCountUnit(JsonElement selection, CountType countType, string where)
    {
        var hasUnit = selection.TryGetProperty("countUnit", out var unit);
        if (countType == CountType.ImageCountMoreThan)
        {
            if (hasUnit)
            {
                throw LifecyclePolicy.Invalid($"{where}.countUnit is not allowed with countType 'imageCountMoreThan'");
            }
        }
        else if (!hasUnit || String(unit, $"{where}.countUnit") != "days")
        {
            throw LifecyclePolicy.Invalid($"{where}.countUnit must be 'days' with countType '{selection.GetProperty("countType").GetString()}'");
        }
    }

    private static void ReadAction(JsonElement action, string where)
    {
        RequireObject(action, where, ActionMembers);
        switch (String(Required(action, "type", where), $"{where}.type"))
        {
            case "expire" when !action.TryGetProperty("targetStorageClass", out _):
                return;
            case "expire":
                throw LifecyclePolicy.Invalid($"{where}.targetStorageClass is only allowed with type 'transition'");
            case "transition":
                throw LifecyclePolicy.Invalid($"{where}.type 'transition' needs archive storage, which this registry does not have");
            case var other:
                throw LifecyclePolicy.Invalid($"{where}.type '{other}' is not one of expire, transition");
        }
    }

    private static void CheckRuleSet(List<LifecycleRule> rules)
    {
        if (rules.GroupBy(rule => rule.RulePriority).FirstOrDefault(group => group.Count() > 1) is { } duplicate)
        {
            throw LifecyclePolicy.Invalid($"rulePriority {duplicate.Key} is used by more than one rule");
        }

        if (rules.FindIndex(rule => rule.TagStatus == RuleTagStatus.Any) is var any and >= 0 && any != rules.Count - 1)
        {
            throw LifecyclePolicy.Invalid("a rule with tagStatus 'any' must have the highest rulePriority");
        }

        if (rules.Count(rule => rule.TagStatus == RuleTagStatus.Untagged) > 1)
        {
            throw LifecyclePolicy.Invalid("only one rule may select untagged images");
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var rule in rules.Where(rule => rule.TagStatus == RuleTagStatus.Tagged))
        {
            var key = string.Join('\n', rule.TagPrefixList.Order(StringComparer.Ordinal)) + "\0" + string.Join('\n', rule.TagPatternList.Order(StringComparer.Ordinal));
            if (!seen.Add(key))
            {
                throw LifecyclePolicy.Invalid($"rule {rule.RulePriority} repeats the tag selection of another rule; each rule needs a unique set of tag prefixes or patterns");
            }
        }
    }

    private static void RequireObject(JsonElement element, string where, string[] allowed)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw LifecyclePolicy.Invalid($"{where} must be a JSON object");
        }

        foreach (var member in element.EnumerateObject())
        {
            if (!allowed.Contains(member.Name, StringComparer.Ordinal))
            {
                throw LifecyclePolicy.Invalid($"{where} has an unknown member '{member.Name}'");
            }

            if (member.Value.ValueKind == JsonValueKind.Null)
            {
                throw LifecyclePolicy.Invalid($"{where}.{member.Name} must not be null");
            }
        }
    }

    private static JsonElement Required(JsonElement element, string name, string where) =>
        element.TryGetProperty(name, out var value) ? value : throw LifecyclePolicy.Invalid($"{where} is missing '{name}'");

    private static string String(JsonElement element, string where) =>
        element.ValueKind == JsonValueKind.String ? element.GetString()! : throw LifecyclePolicy.Invalid($"{where} must be a string");

    private static int PositiveInteger(JsonElement element, string where) =>
        element.ValueKind == JsonValueKind.Number && element.TryGetInt32(out var value) && value >= 1
            ? value
            : throw LifecyclePolicy.Invalid($"{where} must be an integer of at least 1");

    private static List<string> StringList(JsonElement selection, string name, string where)
    {
        if (!selection.TryGetProperty(name, out var list))
        {
            return [];
        }

        if (list.ValueKind != JsonValueKind.Array || list.GetArrayLength() == 0)
        {
            throw LifecyclePolicy.Invalid($"{where}.{name} must be a non-empty array of strings");
        }

        return list.EnumerateArray()
            .Select(item => item.ValueKind == JsonValueKind.String && item.GetString() is { Length: > 0 } value
                ? value
                : throw LifecyclePolicy.Invalid($"{where}.{name} must hold non-empty strings"))
            .ToList();
    }
}
