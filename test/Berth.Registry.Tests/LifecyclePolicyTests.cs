using Berth.Registry.Lifecycle;

namespace Berth.Registry.Tests;

public sealed class LifecyclePolicyTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 3, 12, 0, 0, TimeSpan.Zero);

    private static LifecycleImage Image(string digest, int pushedDaysAgo, params string[] tags) =>
        new(digest, tags, Now.AddDays(-pushedDaysAgo), null);

    private static string Policy(params string[] rules) =>
        $$"""{"rules":[{{string.Join(',', rules)}}]}""".PadRight(LifecyclePolicy.MinTextLength);

    private static string Rule(int priority, string selection, string action = """{"type":"expire"}""") =>
        $$"""{"rulePriority":{{priority}},"description":"rule {{priority}}","selection":{{selection}},"action":{{action}}}""";

    private static List<string> Expired(string policy, params LifecycleImage[] images) =>
        LifecycleEvaluator.Evaluate(LifecyclePolicy.Parse(policy), images, Now).Select(expiry => expiry.Image.Digest).ToList();

    [Fact]
    public void DocsExampleA_ImageMatchingAHigherRulesTags_IsNotExpiredByALowerRule()
    {
        // AWS user guide, "Filtering on multiple rules", example A.
        var policy = Policy(
            Rule(1, """{"tagStatus":"tagged","tagPrefixList":["prod"],"countType":"imageCountMoreThan","countNumber":1}"""),
            Rule(2, """{"tagStatus":"tagged","tagPrefixList":["beta"],"countType":"imageCountMoreThan","countNumber":1}"""));

        var expired = Expired(policy, Image("A", 10, "beta-1", "prod-1"), Image("B", 9, "beta-2", "prod-2"), Image("C", 8, "beta-3"));

        Assert.Equal(["A"], expired);
    }

    [Fact]
    public void DocsExampleB_ImagesExpiredByAnEarlierRuleAreStillCountedByLaterRules()
    {
        var policy = Policy(
            Rule(1, """{"tagStatus":"tagged","tagPrefixList":["prod"],"countType":"imageCountMoreThan","countNumber":1}"""),
            Rule(2, """{"tagStatus":"tagged","tagPrefixList":["beta"],"countType":"imageCountMoreThan","countNumber":1}"""));

        var expired = Expired(policy, Image("A", 10, "beta-1", "prod-1"), Image("B", 9, "beta-2", "prod-2"), Image("C", 8, "beta-3", "prod-3"));

        Assert.Equal(["A", "B"], expired);
    }

    [Fact]
    public void PrefixCountAndUntaggedAgeRules_ExpireExactlyWhatTheSemanticsSay()
    {
        var policy = Policy(
            Rule(1, """{"tagStatus":"tagged","tagPrefixList":["release"],"countType":"imageCountMoreThan","countNumber":2}"""),
            Rule(2, """{"tagStatus":"untagged","countType":"sinceImagePushed","countUnit":"days","countNumber":7}"""),
            Rule(3, """{"tagStatus":"any","countType":"imageCountMoreThan","countNumber":3}"""));

        var expired = Expired(
            policy,
            Image("r1", 30, "release-1"),
            Image("r2", 20, "release-2"),
            Image("r3", 10, "release-3"),
            Image("u-old", 8),
            Image("u-new", 6),
            Image("dev-1", 5, "dev-1"),
            Image("dev-2", 4, "dev-2"),
            Image("dev-3", 3, "dev-3"));

        // Rule 1 keeps r2, r3 and expires r1. Rule 2 expires u-old only (u-new is 6 days old).
        // Rule 3 counts all eight images, newest first: dev-3, dev-2, dev-1 are kept; of the rest only those
        // no earlier rule selects may go, and u-new is untagged (rule 2 selects it), r2/r3 carry release tags.
        Assert.Equal(["r1", "u-old"], expired);
    }

    [Fact]
    public void AnyRule_ExpiresTaggedImagesNoEarlierRuleSelects()
    {
        var policy = Policy(
            Rule(1, """{"tagStatus":"untagged","countType":"sinceImagePushed","countUnit":"days","countNumber":1}"""),
            Rule(2, """{"tagStatus":"any","countType":"imageCountMoreThan","countNumber":2}"""));

        var expired = Expired(policy, Image("a", 4, "a"), Image("b", 3, "b"), Image("c", 2, "c"), Image("d", 1, "d"));

        Assert.Equal(["a", "b"], expired);
    }

    [Fact]
    public void PrefixAndPatternLists_RequireEveryEntryToMatchSomeTag()
    {
        var prefixes = Policy(Rule(1, """{"tagStatus":"tagged","tagPrefixList":["alpha","beta"],"countType":"sinceImagePushed","countUnit":"days","countNumber":1}"""));
        var patterns = Policy(Rule(1, """{"tagStatus":"tagged","tagPatternList":["*-rc*","v1.*"],"countType":"sinceImagePushed","countUnit":"days","countNumber":1}"""));

        Assert.Equal(["both"], Expired(prefixes, Image("both", 5, "alpha-1", "beta-1"), Image("one", 5, "alpha-2")));
        Assert.Equal(["rc"], Expired(patterns, Image("rc", 5, "v1.2-rc1"), Image("final", 5, "v1.2"), Image("other", 5, "v2-rc1")));
    }

    [Fact]
    public void SinceImagePulled_UsesTheLastPullAndFallsBackToThePush()
    {
        var policy = Policy(Rule(1, """{"tagStatus":"any","countType":"sinceImagePulled","countUnit":"days","countNumber":10}"""));
        var pulledRecently = new LifecycleImage("pulled", ["p"], Now.AddDays(-30), Now.AddDays(-2));
        var pulledLongAgo = new LifecycleImage("stale", ["s"], Now.AddDays(-30), Now.AddDays(-20));

        Assert.Equal(["stale", "never"], Expired(policy, pulledRecently, pulledLongAgo, Image("never", 11, "n"), Image("fresh", 9, "f")));
    }

    [Theory]
    [InlineData("""{"rules":[]}""", "'rules' must be a non-empty array")]
    [InlineData("""{"rules":[{"rulePriority":0,"selection":{"tagStatus":"any","countType":"imageCountMoreThan","countNumber":1},"action":{"type":"expire"}}]}""", "rules[0].rulePriority must be an integer of at least 1")]
    [InlineData("""{"rules":[{"rulePriority":1,"selection":{"tagStatus":"any","countType":"imageCountMoreThan","countNumber":0},"action":{"type":"expire"}}]}""", "countNumber must be an integer of at least 1")]
    [InlineData("""{"rules":[{"rulePriority":1,"selection":{"tagStatus":"any","countType":"imageCountMoreThan","countUnit":"days","countNumber":1},"action":{"type":"expire"}}]}""", "countUnit is not allowed with countType 'imageCountMoreThan'")]
    [InlineData("""{"rules":[{"rulePriority":1,"selection":{"tagStatus":"any","countType":"sinceImagePushed","countUnit":null,"countNumber":1},"action":{"type":"expire"}}]}""", "countUnit must not be null")]
    [InlineData("""{"rules":[{"rulePriority":1,"selection":{"tagStatus":"tagged","countType":"imageCountMoreThan","countNumber":1},"action":{"type":"expire"}}]}""", "needs exactly one of a non-empty tagPrefixList or tagPatternList")]
    [InlineData("""{"rules":[{"rulePriority":1,"selection":{"tagStatus":"untagged","tagPrefixList":["x"],"countType":"imageCountMoreThan","countNumber":1},"action":{"type":"expire"}}]}""", "only allowed with tagStatus 'tagged'")]
    [InlineData("""{"rules":[{"rulePriority":1,"selection":{"tagStatus":"tagged","tagPatternList":["a*b*c*d*e*f"],"countType":"imageCountMoreThan","countNumber":1},"action":{"type":"expire"}}]}""", "has more than 4 wildcards")]
    [InlineData("""{"rules":[{"rulePriority":1,"selection":{"tagStatus":"any","countType":"imageCountMoreThan","countNumber":1},"action":{"type":"expire"}},{"rulePriority":2,"selection":{"tagStatus":"untagged","countType":"imageCountMoreThan","countNumber":1},"action":{"type":"expire"}}]}""", "'any' must have the highest rulePriority")]
    [InlineData("""{"rules":[{"rulePriority":1,"selection":{"tagStatus":"untagged","countType":"imageCountMoreThan","countNumber":1},"action":{"type":"expire"}},{"rulePriority":1,"selection":{"tagStatus":"tagged","tagPrefixList":["a"],"countType":"imageCountMoreThan","countNumber":1},"action":{"type":"expire"}}]}""", "rulePriority 1 is used by more than one rule")]
    [InlineData("""{"rules":[{"rulePriority":1,"selection":{"tagStatus":"untagged","countType":"imageCountMoreThan","countNumber":1},"action":{"type":"expire"}},{"rulePriority":2,"selection":{"tagStatus":"untagged","countType":"imageCountMoreThan","countNumber":2},"action":{"type":"expire"}}]}""", "only one rule may select untagged images")]
    [InlineData("""{"rules":[{"rulePriority":1,"selection":{"tagStatus":"any","countType":"imageCountMoreThan","countNumber":1},"action":{"type":"delete"}}]}""", "rules[0].action.type 'delete' is not one of expire, transition")]
    [InlineData("""{"rules":[{"rulePriority":1,"selection":{"tagStatus":"any","countType":"imageCountMoreThan","countNumber":1,"extra":1},"action":{"type":"expire"}}]}""", "has an unknown member 'extra'")]
    [InlineData("""{"rules":[{"rulePriority":1,""", "not valid JSON")]
    public void InvalidPolicies_AreRefusedWithEcrsWordingAndTheReason(string text, string reason)
    {
        var error = Assert.Throws<RegistryException>(() => LifecyclePolicy.Parse(text.PadRight(LifecyclePolicy.MinTextLength)));

        Assert.Equal(RegistryError.InvalidParameter, error.Error);
        Assert.StartsWith("Invalid parameter at 'LifecyclePolicyText' failed to satisfy constraint: 'Lifecycle policy validation failure: ", error.Detail, StringComparison.Ordinal);
        Assert.Contains(reason, error.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void TooShortText_IsRefusedWithTheLengthConstraint()
    {
        var error = Assert.Throws<RegistryException>(() => LifecyclePolicy.Parse("""{"rules":[]}"""));

        Assert.Contains("length less than or equal to 30720 and greater than or equal to 100", error.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("*", "anything", true)]
    [InlineData("prod*", "prod-1", true)]
    [InlineData("prod*", "xprod", false)]
    [InlineData("*test*1*2*3", "my-test-1-2-3", true)]
    [InlineData("a*a", "a", false)]
    [InlineData("v1.0", "v1.0", true)]
    [InlineData("v1.0", "v1.01", false)]
    public void TagPatterns_MatchTheWholeTag(string pattern, string tag, bool matches) =>
        Assert.Equal(matches, TagPattern.Matches(pattern, tag));
}
