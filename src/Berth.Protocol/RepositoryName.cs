using System.Text.RegularExpressions;

namespace Berth.Protocol;

/// <summary>Repository names: the OCI <c>&lt;name&gt;</c> grammar, identical to ECR's RepositoryName pattern, 2..256 characters.</summary>
public static partial class RepositoryName
{
    /// <summary>True when <paramref name="name"/> is a valid repository name.</summary>
    public static bool IsValid(string? name) =>
        name is { Length: >= 2 and <= 256 } && Pattern().IsMatch(name);

    /// <summary>True when <paramref name="tag"/> is a valid OCI tag.</summary>
    public static bool IsValidTag(string? tag) => tag is not null && TagPattern().IsMatch(tag);

    [GeneratedRegex(@"^[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*$")]
    private static partial Regex Pattern();

    [GeneratedRegex(@"^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$")]
    private static partial Regex TagPattern();
}
