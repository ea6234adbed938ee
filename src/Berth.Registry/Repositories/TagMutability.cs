using System.Text.RegularExpressions;
using Berth.Registry.Lifecycle;
using Berth.Registry.Metadata;

namespace Berth.Registry.Repositories;

/// <summary>ECR's tag mutability settings: whether a tag of a repository may be moved once it exists.</summary>
public static partial class TagMutability
{
    /// <summary>Every tag may be overwritten (the default).</summary>
    public const string Mutable = "MUTABLE";

    /// <summary>No tag may be overwritten.</summary>
    public const string Immutable = "IMMUTABLE";

    /// <summary>Tags are immutable except those matching an exclusion filter.</summary>
    public const string ImmutableWithExclusion = "IMMUTABLE_WITH_EXCLUSION";

    /// <summary>Tags are mutable except those matching an exclusion filter.</summary>
    public const string MutableWithExclusion = "MUTABLE_WITH_EXCLUSION";

    /// <summary>The four settings, in ECR's enum order.</summary>
    public static readonly IReadOnlyList<string> Values = [Mutable, Immutable, ImmutableWithExclusion, MutableWithExclusion];

    /// <summary>The only exclusion filter type ECR has.</summary>
    public const string WildcardFilterType = "WILDCARD";

    /// <summary>True when <paramref name="mutability"/> takes exclusion filters.</summary>
    public static bool TakesExclusions(string mutability) => mutability is ImmutableWithExclusion or MutableWithExclusion;

    /// <summary>True when a filter is valid: <c>^[0-9a-zA-Z._*-]{1,128}$</c>.</summary>
    public static bool IsValidFilter(string filter) => FilterSyntax().IsMatch(filter);

    /// <summary>True when <paramref name="tag"/>, once it exists in <paramref name="repository"/>, may not be pointed elsewhere.</summary>
    public static bool IsImmutable(RepositoryRecord repository, string tag)
    {
        // The exclusion filters are lifecycle-style tag patterns: '*' matches any run of characters, the rest is literal.
        var excluded = repository.TagMutabilityExclusions?.Any(filter => TagPattern.Matches(filter, tag)) ?? false;
        return repository.ImageTagMutability switch
        {
            Immutable => true,
            ImmutableWithExclusion => !excluded,
            MutableWithExclusion => excluded,
            _ => false,
        };
    }

    [GeneratedRegex("^[0-9a-zA-Z._*-]{1,128}$", RegexOptions.CultureInvariant)]
    private static partial Regex FilterSyntax();
}
