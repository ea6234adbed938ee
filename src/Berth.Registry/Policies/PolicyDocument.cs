using System.Text.Json;

namespace Berth.Registry.Policies;

/// <summary>Where a policy is attached, which decides whether it names principals.</summary>
public enum PolicyKind
{
    /// <summary>Attached to a user: no <c>Principal</c>; <c>Resource</c> or <c>NotResource</c> required.</summary>
    Identity,

    /// <summary>Attached to a repository: <c>Principal</c> required; <c>Resource</c> optional (the repository itself).</summary>
    Repository,
}

/// <summary>What one policy says about one request.</summary>
public enum PolicyDecision
{
    /// <summary>No statement applies.</summary>
    NotApplicable,

    /// <summary>An Allow statement applies and no Deny does.</summary>
    Allow,

    /// <summary>A Deny statement applies.</summary>
    Deny,
}

/// <summary>A policy document that is not valid; <see cref="Exception.Message"/> is the reason, fit for the client.</summary>
public sealed class MalformedPolicyException(string reason) : Exception(reason);

/// <summary>One statement of a policy.</summary>
/// <param name="IsAllow">Effect Allow (else Deny).</param>
/// <param name="Actions">Action patterns.</param>
/// <param name="IsNotAction">The statement applies to every action <em>except</em> <paramref name="Actions"/>.</param>
/// <param name="Resources">Resource patterns; <see langword="null"/> when the statement has none (repository policies).</param>
/// <param name="IsNotResource">The statement applies to every resource except <paramref name="Resources"/>.</param>
/// <param name="Principals">Principal ARNs or <c>*</c> (repository policies only).</param>
public sealed record PolicyStatement(
    bool IsAllow, IReadOnlyList<string> Actions, bool IsNotAction, IReadOnlyList<string>? Resources, bool IsNotResource, IReadOnlyList<string>? Principals)
{
    /// <summary>True when this statement covers the request.</summary>
    public bool Applies(string action, string resource, string principalArn)
    {
        var actionListed = Actions.Any(a => Wildcard.IsActionMatch(a, action));
        if (actionListed == IsNotAction)
        {
            return false;
        }

        if (Resources is not null && Resources.Any(r => Wildcard.IsResourceMatch(r, resource)) == IsNotResource)
        {
            return false;
        }

        // Principals are exact ARNs or "*"; an account id or account root names the account, which within one account
        // delegates to identity policies and so grants no user anything by itself.
        return Principals is null || Principals.Any(p => p == "*" || string.Equals(p, principalArn, StringComparison.Ordinal));
    }
}

/// <summary>An IAM JSON policy document: <c>Version</c>, <c>Statement</c> (one or a list) with <c>Effect</c>,
/// <c>Action</c>/<c>NotAction</c>, <c>Resource</c>/<c>NotResource</c> and, in repository policies, <c>Principal</c>.</summary>
/// <remarks><c>Condition</c> and <c>NotPrincipal</c> are refused rather than ignored: ignoring a condition would
/// widen an Allow or a Deny silently.</remarks>
public sealed class PolicyDocument
{
    private static readonly string[] Versions = ["2012-10-17", "2008-10-17"];

    private PolicyDocument(IReadOnlyList<PolicyStatement> statements) => Statements = statements;

    /// <summary>The statements, in document order.</summary>
    public IReadOnlyList<PolicyStatement> Statements { get; }

    /// <summary>Deny if any statement denies, Allow if any allows, else not applicable.</summary>
    public PolicyDecision Evaluate(string action, string resource, string principalArn)
    {
        var decision = PolicyDecision.NotApplicable;
        foreach (var statement in Statements)
        {
            if (statement.Applies(action, resource, principalArn))
            {
                if (!statement.IsAllow)
                {
                    return PolicyDecision.Deny;
                }

                decision = PolicyDecision.Allow;
            }
        }

        return decision;
    }

    /// <summary>Parses and validates <paramref name="text"/>.</summary>
    /// <exception cref="MalformedPolicyException">The document is not valid; the message says why.</exception>
    public static PolicyDocument Parse(string text, PolicyKind kind)
    {
        JsonDocument json;
        try
        {
            json = JsonDocument.Parse(text, new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (JsonException)
        {
            throw new MalformedPolicyException("Syntax errors in policy.");
        }

        using (json)
        {
            var root = json.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new MalformedPolicyException("Syntax errors in policy: the document must be a JSON object.");
            }

            JsonElement? statements = null;
            foreach (var member in root.EnumerateObject())
            {
                switch (member.Name)
                {
                    case "Version":
                        if (member.Value.ValueKind != JsonValueKind.String || !Versions.Contains(member.Value.GetString()))
                        {
                            throw new MalformedPolicyException("The policy failed legacy parsing: Version must be \"2012-10-17\" or \"2008-10-17\".");
                        }

                        break;
                    case "Id":
                        break;
                    case "Statement":
                        statements = member.Value;
                        break;
                    default:
                        throw new MalformedPolicyException($"Syntax errors in policy: unknown field '{member.Name}'.");
                }
            }

            if (statements is not { } list)
            {
                throw new MalformedPolicyException("Missing required field Statement");
            }

            var parsed = list.ValueKind switch
            {
                JsonValueKind.Object => [ParseStatement(list, 1, kind)],
                JsonValueKind.Array => list.EnumerateArray().Select((s, i) => ParseStatement(s, i + 1, kind)).ToList(),
                _ => throw new MalformedPolicyException("Syntax errors in policy: Statement must be an object or a list of objects."),
            };
            return parsed.Count > 0 ? new PolicyDocument(parsed) : throw new MalformedPolicyException("Missing required field Statement");
        }
    }

    private static PolicyStatement ParseStatement(JsonElement element, int index, PolicyKind kind)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new MalformedPolicyException($"Syntax errors in policy: statement {index} must be an object.");
        }

        string? effect = null;
        IReadOnlyList<string>? actions = null, notActions = null, resources = null, notResources = null, principals = null;
        foreach (var member in element.EnumerateObject())
        {
            switch (member.Name)
            {
                case "Sid":
                    if (member.Value.ValueKind != JsonValueKind.String)
                    {
                        throw new MalformedPolicyException($"Syntax errors in policy: Sid of statement {index} must be a string.");
                    }

                    break;
                case "Effect":
                    effect = member.Value.ValueKind == JsonValueKind.String ? member.Value.GetString() : "";
                    break;
                case "Action":
                    actions = Strings(member.Value, "Action", index);
                    break;
                case "NotAction":
                    notActions = Strings(member.Value, "NotAction", index);
                    break;
                case "Resource":
                    resources = Strings(member.Value, "Resource", index);
                    break;
                case "NotResource":
                    notResources = Strings(member.Value, "NotResource", index);
                    break;
                case "Principal" when kind == PolicyKind.Repository:
                    principals = Principals(member.Value, index);
                    break;
                case "Principal":
                    throw new MalformedPolicyException("Policy document should not specify a principal.");
                case "Condition" or "NotPrincipal":
                    throw new MalformedPolicyException($"{member.Name} (statement {index}) is not supported by this registry.");
                default:
                    throw new MalformedPolicyException($"Syntax errors in policy: unknown field '{member.Name}' in statement {index}.");
            }
        }

        if (effect is not ("Allow" or "Deny"))
        {
            throw new MalformedPolicyException(effect is null
                ? $"Missing required field Effect in statement {index}."
                : $"Invalid effect: '{effect}' (statement {index}); it must be \"Allow\" or \"Deny\".");
        }

        if ((actions is null) == (notActions is null))
        {
            throw new MalformedPolicyException(actions is null
                ? $"Policy statement must contain actions (statement {index})."
                : $"Statement {index} has both Action and NotAction.");
        }

        if (resources is not null && notResources is not null)
        {
            throw new MalformedPolicyException($"Statement {index} has both Resource and NotResource.");
        }

        if (kind == PolicyKind.Identity && resources is null && notResources is null)
        {
            throw new MalformedPolicyException($"Policy statement must contain resources (statement {index}).");
        }

        if (kind == PolicyKind.Repository && principals is null)
        {
            throw new MalformedPolicyException($"Missing required field Principal in statement {index}.");
        }

        foreach (var action in actions ?? notActions!)
        {
            if (KnownActions.Validate(action) is { } reason)
            {
                throw new MalformedPolicyException(reason);
            }
        }

        foreach (var resource in resources ?? notResources ?? [])
        {
            if (resource != "*" && !resource.StartsWith("arn:", StringComparison.Ordinal))
            {
                throw new MalformedPolicyException($"Resource {resource} must be in ARN format or \"*\".");
            }
        }

        return new PolicyStatement(effect == "Allow", actions ?? notActions!, notActions is not null, resources ?? notResources, notResources is not null, principals);
    }

    private static List<string> Strings(JsonElement value, string field, int index)
    {
        var items = value.ValueKind switch
        {
            JsonValueKind.String => [value],
            JsonValueKind.Array => value.EnumerateArray().ToList(),
            _ => null,
        };
        if (items is null || items.Count == 0 || items.Any(i => i.ValueKind != JsonValueKind.String || i.GetString()!.Length == 0))
        {
            throw new MalformedPolicyException($"Syntax errors in policy: {field} of statement {index} must be a non-empty string or list of strings.");
        }

        return [.. items.Select(i => i.GetString()!)];
    }

    private static List<string> Principals(JsonElement value, int index)
    {
        if (value.ValueKind == JsonValueKind.String && value.GetString() == "*")
        {
            return ["*"];
        }

        if (value.ValueKind != JsonValueKind.Object)
        {
            throw new MalformedPolicyException($"Invalid principal in statement {index}: use \"*\" or {{\"AWS\": \"arn:aws:iam::<account>:user/<name>\"}}.");
        }

        var principals = new List<string>();
        foreach (var member in value.EnumerateObject())
        {
            if (member.Name != "AWS")
            {
                throw new MalformedPolicyException($"Invalid principal in statement {index}: only \"AWS\" principals are supported, not '{member.Name}'.");
            }

            foreach (var principal in Strings(member.Value, "Principal", index))
            {
                var valid = principal == "*"
                    || (principal.Length == 12 && principal.All(char.IsAsciiDigit))
                    || (principal.StartsWith("arn:aws:iam::", StringComparison.Ordinal) && !principal.Contains('*', StringComparison.Ordinal));
                if (!valid)
                {
                    throw new MalformedPolicyException($"Invalid principal in policy: \"AWS\":\"{principal}\"");
                }

                principals.Add(principal);
            }
        }

        return principals.Count > 0 ? principals : throw new MalformedPolicyException($"Invalid principal in statement {index}: it names nobody.");
    }
}
