using Berth.Metadata.Sqlite;
using Berth.Registry.Metadata;
using Berth.Registry.Policies;
using Berth.Registry.Security;
using Berth.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Berth.Registry.Tests;

public sealed class WildcardTests
{
    [Theory]
    [InlineData("ecr:*", "ecr:BatchGetImage", true)]
    [InlineData("ECR:batchgetimage", "ecr:BatchGetImage", true)]
    [InlineData("ecr:Batch*", "ecr:BatchCheckLayerAvailability", true)]
    [InlineData("ecr:Get*Url*", "ecr:GetDownloadUrlForLayer", true)]
    [InlineData("ecr:?utImage", "ecr:PutImage", true)]
    [InlineData("ecr:?utImage", "ecr:PPutImage", false)]
    [InlineData("ecr:Put", "ecr:PutImage", false)]
    [InlineData("ecr:*Image", "ecr:PutImageTagMutability", false)]
    [InlineData("*", "iam:CreateUser", true)]
    public void IsActionMatch_IsCaseInsensitiveWithStarAndQuestionMark(string pattern, string action, bool expected) =>
        Assert.Equal(expected, Wildcard.IsActionMatch(pattern, action));

    [Theory]
    [InlineData("arn:aws:ecr:*:*:repository/team/*", "arn:aws:ecr:us-east-1:000000000000:repository/team/app", true)]
    [InlineData("arn:aws:ecr:*:*:repository/team/*", "arn:aws:ecr:us-east-1:000000000000:repository/team/a/b", true)]
    [InlineData("arn:aws:ecr:*:*:repository/team/*", "arn:aws:ecr:us-east-1:000000000000:repository/Team/app", false)]
    [InlineData("arn:aws:ecr:*:*:repository/team/*", "arn:aws:ecr:us-east-1:000000000000:repository/teamx", false)]
    [InlineData("arn:aws:ecr:us-east-1:*:repository/te?m/app", "arn:aws:ecr:us-east-1:000000000000:repository/team/app", true)]
    [InlineData("arn:aws:ecr:us-*:000000000000:*", "arn:aws:ecr:us-east-1:000000000000:repository/x", true)]
    [InlineData("arn:aws:ecr:*:*:repository/team/*", "*", false)]
    [InlineData("*", "*", true)]
    public void IsResourceMatch_IsCaseSensitiveAndSegmentWise(string pattern, string resource, bool expected) =>
        Assert.Equal(expected, Wildcard.IsResourceMatch(pattern, resource));

    [Fact]
    public void IsMatch_ManyStars_StaysFast()
    {
        var pattern = string.Concat(Enumerable.Repeat("*a", 50)) + "b";
        var value = new string('a', 10_000);
        var watch = System.Diagnostics.Stopwatch.StartNew();

        Assert.False(Wildcard.IsMatch(pattern, value, ignoreCase: false));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), watch.Elapsed.ToString());
    }
}

public sealed class PolicyDocumentTests
{
    [Theory]
    [InlineData("{not json", "Syntax errors in policy.")]
    [InlineData("[]", "must be a JSON object")]
    [InlineData("""{"Version":"2012-10-17"}""", "Missing required field Statement")]
    [InlineData("""{"Version":"2012-10-17","Statement":[]}""", "Missing required field Statement")]
    [InlineData("""{"Version":"2011-01-01","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}""", "Version must be")]
    [InlineData("""{"Statement":{"Effect":"Permit","Action":"*","Resource":"*"}}""", "Invalid effect: 'Permit'")]
    [InlineData("""{"Statement":{"Effect":"allow","Action":"*","Resource":"*"}}""", "Invalid effect: 'allow'")]
    [InlineData("""{"Statement":{"Effect":"Allow","Resource":"*"}}""", "Policy statement must contain actions")]
    [InlineData("""{"Statement":{"Effect":"Allow","Action":"*","NotAction":"ecr:PutImage","Resource":"*"}}""", "both Action and NotAction")]
    [InlineData("""{"Statement":{"Effect":"Allow","Action":"*"}}""", "Policy statement must contain resources")]
    [InlineData("""{"Statement":{"Effect":"Allow","Action":"ecr:PullEverything","Resource":"*"}}""", "'ecr:PullEverything' matches no ecr action")]
    [InlineData("""{"Statement":{"Effect":"Allow","Action":"ecr:Foo*","Resource":"*"}}""", "'ecr:Foo*' matches no ecr action")]
    [InlineData("""{"Statement":{"Effect":"Allow","Action":"BatchGetImage","Resource":"*"}}""", "must be prefaced by a vendor")]
    [InlineData("""{"Statement":{"Effect":"Allow","Action":"*","Resource":"repository/team"}}""", "must be in ARN format")]
    [InlineData("""{"Statement":{"Effect":"Allow","Action":[],"Resource":"*"}}""", "non-empty string or list")]
    [InlineData("""{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Principal":"*"}}""", "should not specify a principal")]
    [InlineData("""{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{}}}""", "Condition (statement 1) is not supported")]
    [InlineData("""{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Actions":"*"}}""", "unknown field 'Actions'")]
    public void Parse_IdentityPolicy_RefusesWithTheReason(string text, string reason)
    {
        var failure = Assert.Throws<MalformedPolicyException>(() => PolicyDocument.Parse(text, PolicyKind.Identity));

        Assert.Contains(reason, failure.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"Statement":{"Effect":"Allow","Action":"*"}}""", "Missing required field Principal")]
    [InlineData("""{"Statement":{"Effect":"Allow","Principal":{"Service":"ecs.amazonaws.com"},"Action":"*"}}""", "only \"AWS\" principals")]
    [InlineData("""{"Statement":{"Effect":"Allow","Principal":{"AWS":"bob"},"Action":"*"}}""", "Invalid principal in policy: \"AWS\":\"bob\"")]
    [InlineData("""{"Statement":{"Effect":"Allow","Principal":"bob","Action":"*"}}""", "Invalid principal in statement 1")]
    public void Parse_RepositoryPolicy_RefusesWithTheReason(string text, string reason)
    {
        var failure = Assert.Throws<MalformedPolicyException>(() => PolicyDocument.Parse(text, PolicyKind.Repository));

        Assert.Contains(reason, failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_SingleStatementObjectAndStrings_EqualsTheListForm()
    {
        var single = PolicyDocument.Parse("""{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"ecr:PutImage","Resource":"*"}}""", PolicyKind.Identity);
        var list = PolicyDocument.Parse("""{"Version":"2012-10-17","Statement":[{"Sid":"x","Effect":"Allow","Action":["ecr:PutImage"],"Resource":["*"]}]}""", PolicyKind.Identity);

        Assert.Equal(single.Statements[0].Actions, list.Statements[0].Actions);
        Assert.Equal(PolicyDecision.Allow, single.Evaluate("ecr:PutImage", "arn:aws:ecr:us-east-1:1:repository/a", "u"));
        Assert.Equal(PolicyDecision.NotApplicable, list.Evaluate("ecr:BatchGetImage", "arn:aws:ecr:us-east-1:1:repository/a", "u"));
    }

    [Fact]
    public void Parse_OtherServicesActions_AreAcceptedAndNeverMatch()
    {
        var policy = PolicyDocument.Parse("""{"Statement":{"Effect":"Allow","Action":["s3:GetObject","logs:*"],"Resource":"*"}}""", PolicyKind.Identity);

        Assert.Equal(PolicyDecision.NotApplicable, policy.Evaluate("ecr:BatchGetImage", "*", "u"));
    }
}

public sealed class PolicyEvaluatorTests : IDisposable
{
    private const string Team = "arn:aws:ecr:us-east-1:000000000000:repository/team/app";
    private const string Other = "arn:aws:ecr:us-east-1:000000000000:repository/other/app";
    private const string BobArn = "arn:aws:iam::000000000000:user/bob";

    private readonly TempDirectory _data = TempDirectory.Create();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 3, 12, 0, 0, TimeSpan.Zero));
    private readonly SqliteMetadataStore _store;
    private readonly PolicyEvaluator _evaluator;
    private readonly Principal _bob;

    public PolicyEvaluatorTests()
    {
        _store = SqliteMetadataStore.Open(_data.Combine("metadata.db"));
        _evaluator = new PolicyEvaluator(_store, new RegistryOptions(), _time);
        _bob = new Principal("bob", false, true, _time.GetUtcNow());
        _store.CreateUserAsync(_bob, CancellationToken.None).AsTask().GetAwaiter().GetResult();
        foreach (var name in new[] { "team/app", "other/app" })
        {
            ((IRepositoryStore)_store).CreateRepositoryAsync(new RepositoryRecord(name, _time.GetUtcNow(), "MUTABLE"), CancellationToken.None).AsTask().GetAwaiter().GetResult();
        }
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task NoPolicy_DeniesEverything_ButTheBootstrapAdminMayDoAnything()
    {
        var admin = new Principal("admin", IsAdmin: true, IsActive: true, _time.GetUtcNow());
        await _store.CreateUserAsync(admin, Ct);
        await PutAsync("deny-all", """{"Statement":{"Effect":"Deny","Action":"*","Resource":"*"}}""", user: "admin");

        Assert.False(await AllowedAsync("ecr:BatchGetImage", Team));
        Assert.True(await _evaluator.IsAllowedAsync(admin, "ecr:PutImage", Team, Ct));
        Assert.True(await _evaluator.IsAllowedAsync(admin, "iam:CreateUser", "arn:aws:iam::000000000000:user/x", Ct));
    }

    [Fact]
    public async Task PullOnlyWildcardPolicy_AllowsPullInTeamOnly_AndNotPush()
    {
        await PutAsync("pull", """
            {"Version":"2012-10-17","Statement":[
              {"Effect":"Allow","Action":["ecr:BatchGetImage","ecr:GetDownloadUrlForLayer"],"Resource":"arn:aws:ecr:*:*:repository/team/*"}]}
            """);

        Assert.True(await AllowedAsync("ecr:BatchGetImage", Team));
        Assert.True(await AllowedAsync("ECR:GETDOWNLOADURLFORLAYER", Team));
        Assert.False(await AllowedAsync("ecr:InitiateLayerUpload", Team));
        Assert.False(await AllowedAsync("ecr:BatchGetImage", Other));
        Assert.False(await AllowedAsync("ecr:BatchGetImage", Team.Replace("team", "Team", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task ExplicitDeny_InAnotherPolicy_OverridesTheWildcardAllow()
    {
        await PutAsync("all", """{"Statement":{"Effect":"Allow","Action":"ecr:*","Resource":"*"}}""");
        await PutAsync("not-team", $$$"""{"Statement":{"Effect":"Deny","Action":"ecr:BatchGetImage","Resource":"{{{Team}}}"}}""");

        Assert.False(await AllowedAsync("ecr:BatchGetImage", Team));
        Assert.True(await AllowedAsync("ecr:PutImage", Team));
        Assert.True(await AllowedAsync("ecr:BatchGetImage", Other));
    }

    [Fact]
    public async Task NotActionAndNotResource_ApplyToEverythingElse()
    {
        await PutAsync("p", """
            {"Statement":[
              {"Effect":"Allow","NotAction":"ecr:DeleteRepository","Resource":"*"},
              {"Effect":"Deny","Action":"ecr:PutImage","NotResource":"arn:aws:ecr:*:*:repository/team/*"}]}
            """);

        Assert.True(await AllowedAsync("ecr:CreateRepository", Other));
        Assert.False(await AllowedAsync("ecr:DeleteRepository", Other));
        Assert.True(await AllowedAsync("ecr:PutImage", Team));
        Assert.False(await AllowedAsync("ecr:PutImage", Other));
    }

    [Fact]
    public async Task RepositoryPolicy_GrantsWithoutIdentityPolicy_OnlyToTheNamedPrincipal_AndItsDenyWins()
    {
        await _store.SetRepositoryPolicyAsync("other/app", $$"""
            {"Statement":[{"Effect":"Allow","Principal":{"AWS":["{{BobArn}}"]},"Action":["ecr:BatchGetImage","ecr:GetDownloadUrlForLayer"]}]}
            """, Ct);
        await _store.SetRepositoryPolicyAsync("team/app", """
            {"Statement":{"Effect":"Deny","Principal":"*","Action":"ecr:BatchGetImage"}}
            """, Ct);
        await PutAsync("all", """{"Statement":{"Effect":"Allow","Action":"ecr:*","Resource":"*"}}""");
        var carol = new Principal("carol", false, true, _time.GetUtcNow());

        Assert.True(await AllowedAsync("ecr:BatchGetImage", Other));
        Assert.False(await _evaluator.IsAllowedAsync(carol, "ecr:BatchGetImage", Other, Ct));
        Assert.False(await AllowedAsync("ecr:BatchGetImage", Team));
        Assert.True(await AllowedAsync("ecr:PutImage", Team));
    }

    [Fact]
    public async Task PolicyChanges_ApplyAtOnceWhenForgotten_AndWithinTheCacheTtlOtherwise()
    {
        Assert.False(await AllowedAsync("ecr:BatchGetImage", Team));

        // Written behind the evaluator's back (another node): visible once the cache lapses.
        await _store.PutUserPolicyAsync("bob", "p", """{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}""", Ct);
        Assert.False(await AllowedAsync("ecr:BatchGetImage", Team));
        _time.Advance(PolicyEvaluator.CacheTtl);
        Assert.True(await AllowedAsync("ecr:BatchGetImage", Team));

        await _store.DeleteUserPolicyAsync("bob", "p", Ct);
        _evaluator.ForgetUser("bob");
        Assert.False(await AllowedAsync("ecr:BatchGetImage", Team));
    }

    [Fact]
    public async Task DeletingARepository_DeletesItsPolicy_SoANewRepositoryOfThatNameStartsWithout()
    {
        var repositories = (IRepositoryStore)_store;
        await _store.SetRepositoryPolicyAsync("other/app", """{"Statement":{"Effect":"Allow","Principal":"*","Action":"*"}}""", Ct);

        Assert.True(await repositories.DeleteRepositoryAsync("other/app", Ct));
        await repositories.CreateRepositoryAsync(new RepositoryRecord("other/app", _time.GetUtcNow()), Ct);

        Assert.Null(await _store.FindRepositoryPolicyAsync("other/app", Ct));
        Assert.False(await _store.SetRepositoryPolicyAsync("no/such", "{}", Ct));
    }

    [Fact]
    public async Task GetAuthorizationToken_IsAllowedWithoutAPolicy_UnlessExplicitlyDenied()
    {
        Assert.True(await AllowedAsync("ecr:GetAuthorizationToken", "*"));

        await PutAsync("no-login", """{"Statement":{"Effect":"Deny","Action":"ecr:GetAuthorizationToken","Resource":"*"}}""");

        Assert.False(await AllowedAsync("ecr:GetAuthorizationToken", "*"));
    }

    [Fact]
    public async Task InactiveUser_IsDeniedWhateverItsPolicies()
    {
        await PutAsync("all", """{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}""");

        Assert.False(await _evaluator.IsAllowedAsync(_bob with { IsActive = false }, "ecr:BatchGetImage", Team, Ct));
    }

    public void Dispose()
    {
        _evaluator.Dispose();
        _data.Dispose();
    }

    private async Task PutAsync(string name, string document, string user = "bob")
    {
        await _store.PutUserPolicyAsync(user, name, document, Ct);
        _evaluator.ForgetUser(user);
    }

    private async Task<bool> AllowedAsync(string action, string resource) => await _evaluator.IsAllowedAsync(_bob, action, resource, Ct);
}
