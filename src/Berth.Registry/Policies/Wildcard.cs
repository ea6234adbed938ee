namespace Berth.Registry.Policies;

/// <summary>IAM's wildcard matching: <c>*</c> matches any run of characters (none included), <c>?</c> exactly one.</summary>
public static class Wildcard
{
    /// <summary>True when <paramref name="value"/> matches <paramref name="pattern"/> as a whole.</summary>
    public static bool IsMatch(ReadOnlySpan<char> pattern, ReadOnlySpan<char> value, bool ignoreCase)
    {
        // Greedy two-pointer match with backtracking to the last '*': linear in practice, never exponential.
        int p = 0, v = 0, star = -1, resume = 0;
        while (v < value.Length)
        {
            if (p < pattern.Length && (pattern[p] == '?' || Same(pattern[p], value[v], ignoreCase)))
            {
                p++;
                v++;
            }
            else if (p < pattern.Length && pattern[p] == '*')
            {
                star = p++;
                resume = v;
            }
            else if (star >= 0)
            {
                p = star + 1;
                v = ++resume;
            }
            else
            {
                return false;
            }
        }

        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }

        return p == pattern.Length;
    }

    /// <summary>Matches an action name: case-insensitive, as IAM compares actions.</summary>
    public static bool IsActionMatch(string pattern, string action) => IsMatch(pattern, action, ignoreCase: true);

    /// <summary>Matches a resource ARN: case-sensitive, and segment by segment, so a wildcard in one ARN segment
    /// never spans a <c>:</c> into the next (IAM's rule); the resource segment (the sixth) may itself hold colons.</summary>
    public static bool IsResourceMatch(string pattern, string resource)
    {
        if (pattern == "*")
        {
            return true;
        }

        var patternParts = pattern.Split(':', 6);
        var resourceParts = resource.Split(':', 6);
        if (patternParts.Length != 6 || resourceParts.Length != 6)
        {
            return IsMatch(pattern, resource, ignoreCase: false);
        }

        for (var i = 0; i < 6; i++)
        {
            if (!IsMatch(patternParts[i], resourceParts[i], ignoreCase: false))
            {
                return false;
            }
        }

        return true;
    }

    private static bool Same(char a, char b, bool ignoreCase) =>
        a == b || (ignoreCase && char.ToUpperInvariant(a) == char.ToUpperInvariant(b));
}
