using System.Text.Json;

namespace Berth.Registry.Lifecycle;

/// <summary>Which images a rule looks at, by their tags.</summary>
public enum RuleTagStatus
{
    /// <summary>Images with at least one tag matching the rule's prefix or pattern list.</summary>
    Tagged,

    /// <summary>Images without tags.</summary>
    Untagged,

    /// <summary>Every image.</summary>
    Any,
}

/// <summary>How a rule decides that an image has expired.</summary>
public enum CountType
{
    /// <summary>Keep the <c>countNumber</c> most recently pushed images; expire the rest.</summary>
    ImageCountMoreThan,

    /// <summary>Expire images pushed more than <c>countNumber</c> days ago.</summary>
    SinceImagePushed,

    /// <summary>Expire images last pulled (or, never pulled, pushed) more than <c>countNumber</c> days ago.</summary>
    SinceImagePulled,
}

/// <summary>One rule of an ECR lifecycle policy.</summary>
public sealed record LifecycleRule(
    int RulePriority,
    string? Description,
    RuleTagStatus TagStatus,
    IReadOnlyList<string> TagPrefixList,
    IReadOnlyList<string> TagPatternList,
    CountType CountType,
    int CountNumber)
{
    /// <summary>Whether the image meets this rule's tagging requirements (ECR: every listed prefix or pattern matches one of its tags).</summary>
    public bool Selects(IReadOnlyCollection<string> tags) => TagStatus switch
    {
        RuleTagStatus.Any => true,
        RuleTagStatus.Untagged => tags.Count == 0,
        _ => tags.Count > 0
            && TagPrefixList.All(prefix => tags.Any(tag => tag.StartsWith(prefix, StringComparison.Ordinal)))
            && TagPatternList.All(pattern => tags.Any(tag => TagPattern.Matches(pattern, tag))),
    };
}

/// <summary>A parsed, validated ECR lifecycle policy; rules sorted by priority, lowest first.</summary>
public sealed record LifecyclePolicy(IReadOnlyList<LifecycleRule> Rules)
{
    /// <summary>ECR's length limits on <c>lifecyclePolicyText</c>.</summary>
    public const int MinTextLength = 100, MaxTextLength = 30720;

    /// <summary>Parses and validates policy text with ECR's rules (reference §5).</summary>
    /// <exception cref="RegistryException"><see cref="RegistryError.InvalidParameter"/> with ECR's wording and the reason.</exception>
    public static LifecyclePolicy Parse(string text)
    {
        if (text.Length is < MinTextLength or > MaxTextLength)
        {
            throw new RegistryException(
                RegistryError.InvalidParameter,
                $"Invalid parameter at 'LifecyclePolicyText' failed to satisfy constraint: 'Member must have length less than or equal to {MaxTextLength} and greater than or equal to {MinTextLength}'");
        }

        try
        {
            using var document = JsonDocument.Parse(text);
            return LifecyclePolicyReader.Read(document.RootElement);
        }
        catch (JsonException)
        {
            throw Invalid("the policy text is not valid JSON");
        }
    }

    internal static RegistryException Invalid(string reason) => new(
        RegistryError.InvalidParameter,
        $"Invalid parameter at 'LifecyclePolicyText' failed to satisfy constraint: 'Lifecycle policy validation failure: {reason}'");
}

/// <summary>ECR's tag patterns: <c>*</c> matches any run of characters, everything else matches itself.</summary>
public static class TagPattern
{
    /// <summary>ECR allows at most four wildcards in one pattern.</summary>
    public const int MaxWildcards = 4;

    /// <summary>Whether <paramref name="tag"/> matches <paramref name="pattern"/> as a whole.</summary>
    public static bool Matches(string pattern, string tag)
    {
        var parts = pattern.Split('*');
        if (parts.Length == 1)
        {
            return string.Equals(pattern, tag, StringComparison.Ordinal);
        }

        if (!tag.StartsWith(parts[0], StringComparison.Ordinal) || !tag.EndsWith(parts[^1], StringComparison.Ordinal)
            || tag.Length < parts[0].Length + parts[^1].Length)
        {
            return false;
        }

        // Greedy left-to-right search of the middle parts is exact for '*'-only patterns.
        var position = parts[0].Length;
        var end = tag.Length - parts[^1].Length;
        for (var i = 1; i < parts.Length - 1; i++)
        {
            var found = tag.IndexOf(parts[i], position, end - position, StringComparison.Ordinal);
            if (found < 0)
            {
                return false;
            }

            position = found + parts[i].Length;
        }

        return true;
    }
}
