namespace Berth.Registry.Lifecycle;

/// <summary>What the evaluator needs to know of one image (a manifest in a repository).</summary>
public sealed record LifecycleImage(string Digest, IReadOnlyCollection<string> Tags, DateTimeOffset PushedAt, DateTimeOffset? LastPulledAt);

/// <summary>An image a rule expires.</summary>
public sealed record LifecycleExpiry(LifecycleImage Image, LifecycleRule Rule);

/// <summary>
/// ECR's evaluation semantics (reference §5): every rule is evaluated against every image, results are applied
/// in priority order, an image is expired by at most one rule, images already expired by a higher-priority
/// rule are still counted by later rules, and an image that meets a higher-priority rule's tagging
/// requirements is never expired by a lower-priority rule.
/// </summary>
public static class LifecycleEvaluator
{
    /// <summary>The images <paramref name="policy"/> expires at <paramref name="now"/>, oldest push first.</summary>
    public static IReadOnlyList<LifecycleExpiry> Evaluate(LifecyclePolicy policy, IReadOnlyCollection<LifecycleImage> images, DateTimeOffset now)
    {
        var expired = new Dictionary<string, LifecycleExpiry>(StringComparer.Ordinal);
        var earlierRules = new List<LifecycleRule>();
        foreach (var rule in policy.Rules)
        {
            var selected = images.Where(image => rule.Selects(image.Tags));
            foreach (var image in Candidates(rule, selected, now))
            {
                if (!expired.ContainsKey(image.Digest) && !earlierRules.Any(earlier => earlier.Selects(image.Tags)))
                {
                    expired[image.Digest] = new LifecycleExpiry(image, rule);
                }
            }

            earlierRules.Add(rule);
        }

        return expired.Values.OrderBy(expiry => expiry.Image.PushedAt).ThenBy(expiry => expiry.Image.Digest, StringComparer.Ordinal).ToList();
    }

    // Newest first, ties broken by digest so a run is deterministic.
    private static IEnumerable<LifecycleImage> Candidates(LifecycleRule rule, IEnumerable<LifecycleImage> selected, DateTimeOffset now)
    {
        var cutoff = now.AddDays(-rule.CountNumber);
        return rule.CountType switch
        {
            CountType.ImageCountMoreThan => selected
                .OrderByDescending(image => image.PushedAt)
                .ThenByDescending(image => image.Digest, StringComparer.Ordinal)
                .Skip(rule.CountNumber),
            CountType.SinceImagePushed => selected.Where(image => image.PushedAt < cutoff),
            _ => selected.Where(image => (image.LastPulledAt ?? image.PushedAt) < cutoff),
        };
    }
}
