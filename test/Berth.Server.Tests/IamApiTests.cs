using System.Text.Json;
using System.Xml.Linq;
using Microsoft.Extensions.DependencyInjection;
using Berth.Testing;

namespace Berth.Server.Tests;

/// <summary>The IAM Query API driven by the real <c>aws iam</c> CLI: every response parses, every failure is IAM's
/// own error (never a 500), secrets appear once and nowhere else.</summary>
public sealed class IamApiTests : IClassFixture<BerthServerFixture>, IDisposable
{
    private const string Account = "000000000000";
    private const string PullPolicy = """
        {"Version":"2012-10-17","Statement":[
          {"Sid":"Pull","Effect":"Allow","Action":["ecr:BatchGetImage","ecr:GetDownloadUrlForLayer"],"Resource":"arn:aws:ecr:*:*:repository/team/*"},
          {"Effect":"Allow","Action":"ecr:GetAuthorizationToken","Resource":"*"}]}
        """;

    private readonly BerthTestServer _server;
    private readonly TempDirectory _home = TempDirectory.Create("berth-home-");
    private readonly AwsCli _aws;

    public IamApiTests(BerthServerFixture fixture)
    {
        _server = fixture.Server;
        _aws = new AwsCli(_server, _home.Path);
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task UserKeyAndPolicyLifecycle_WithTheAwsCli_ParsesEveryResponse()
    {
        using var created = await _aws.IamJsonAsync(["create-user", "--user-name", "lifecycle"], Ct);
        var user = created!.RootElement.GetProperty("User");
        Assert.Equal("lifecycle", user.GetProperty("UserName").GetString());
        Assert.Equal("/", user.GetProperty("Path").GetString());
        Assert.Equal($"arn:aws:iam::{Account}:user/lifecycle", user.GetProperty("Arn").GetString());
        Assert.Matches("^AIDA[A-Z2-7]{17}$", user.GetProperty("UserId").GetString());
        Assert.True(DateTimeOffset.TryParse(user.GetProperty("CreateDate").GetString(), out _));

        using var got = await _aws.IamJsonAsync(["get-user", "--user-name", "lifecycle"], Ct);
        Assert.Equal(user.GetProperty("UserId").GetString(), got!.RootElement.GetProperty("User").GetProperty("UserId").GetString());
        using var listed = await _aws.IamJsonAsync(["list-users"], Ct);
        Assert.Contains("lifecycle", listed!.RootElement.GetProperty("Users").EnumerateArray().Select(u => u.GetProperty("UserName").GetString()));

        using var key = await _aws.IamJsonAsync(["create-access-key", "--user-name", "lifecycle"], Ct);
        var accessKey = key!.RootElement.GetProperty("AccessKey");
        var keyId = accessKey.GetProperty("AccessKeyId").GetString()!;
        var secret = accessKey.GetProperty("SecretAccessKey").GetString()!;
        Assert.Matches("^AKIA[A-Z2-7]{16}$", keyId);
        Assert.Equal(40, secret.Length);
        Assert.Equal("Active", accessKey.GetProperty("Status").GetString());

        (await _aws.IamJsonAsync(["update-access-key", "--user-name", "lifecycle", "--access-key-id", keyId, "--status", "Inactive"], Ct))?.Dispose();
        using var keys = await _aws.IamJsonAsync(["list-access-keys", "--user-name", "lifecycle"], Ct);
        var metadata = Assert.Single(keys!.RootElement.GetProperty("AccessKeyMetadata").EnumerateArray());
        Assert.Equal((keyId, "Inactive"), (metadata.GetProperty("AccessKeyId").GetString(), metadata.GetProperty("Status").GetString()));
        Assert.False(metadata.TryGetProperty("SecretAccessKey", out _));

        (await _aws.IamJsonAsync(["put-user-policy", "--user-name", "lifecycle", "--policy-name", "pull", "--policy-document", PullPolicy], Ct))?.Dispose();
        using var policy = await _aws.IamJsonAsync(["get-user-policy", "--user-name", "lifecycle", "--policy-name", "pull"], Ct);
        Assert.Equal("pull", policy!.RootElement.GetProperty("PolicyName").GetString());

        // IAM sends the document URL-encoded; the CLI decodes it back into the JSON that was put.
        Assert.True(JsonElement.DeepEquals(JsonDocument.Parse(PullPolicy).RootElement, policy.RootElement.GetProperty("PolicyDocument")));
        using var names = await _aws.IamJsonAsync(["list-user-policies", "--user-name", "lifecycle"], Ct);
        Assert.Equal(["pull"], names!.RootElement.GetProperty("PolicyNames").EnumerateArray().Select(n => n.GetString()));

        var withKey = await _aws.IamAsync(["delete-user", "--user-name", "lifecycle"], Ct);
        AssertIamError(withKey, "DeleteUser", "DeleteConflict", "Cannot delete entity, must delete access keys first.");
        (await _aws.IamJsonAsync(["delete-access-key", "--user-name", "lifecycle", "--access-key-id", keyId], Ct))?.Dispose();
        var withPolicy = await _aws.IamAsync(["delete-user", "--user-name", "lifecycle"], Ct);
        AssertIamError(withPolicy, "DeleteUser", "DeleteConflict", "Cannot delete entity, must delete policies first.");
        (await _aws.IamJsonAsync(["delete-user-policy", "--user-name", "lifecycle", "--policy-name", "pull"], Ct))?.Dispose();
        (await _aws.IamJsonAsync(["delete-user", "--user-name", "lifecycle"], Ct))?.Dispose();

        var gone = await _aws.IamAsync(["get-user", "--user-name", "lifecycle"], Ct);
        AssertIamError(gone, "GetUser", "NoSuchEntity", "The user with name lifecycle cannot be found.");

        // The secret went out once, in the CreateAccessKey response, and is in no log line.
        Assert.DoesNotContain(secret, _server.Logs.AllText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetUser_WithoutAName_DescribesTheCaller()
    {
        using var me = await _aws.IamJsonAsync(["get-user"], Ct);

        Assert.Equal("admin", me!.RootElement.GetProperty("User").GetProperty("UserName").GetString());
    }

    [Theory]
    [InlineData("{not json", "Syntax errors in policy.")]
    [InlineData("""{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"ecr:PullEverything","Resource":"*"}}""", "'ecr:PullEverything' matches no ecr action")]
    [InlineData("""{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"ecr:BatchGetImage"}}""", "Policy statement must contain resources")]
    [InlineData("""{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"ecr:*","Resource":"*"}}""", "Policy document should not specify a principal.")]
    public async Task PutUserPolicy_BadDocument_IsMalformedPolicyDocumentWithTheReason(string document, string reason)
    {
        await EnsureUserAsync("policy-target");

        var result = await _aws.IamAsync(["put-user-policy", "--user-name", "policy-target", "--policy-name", "bad", "--policy-document", document], Ct);

        AssertIamError(result, "PutUserPolicy", "MalformedPolicyDocument", reason);
        AssertNoServerErrors();
    }

    [Fact]
    public async Task PutUserPolicy_OverTheUsersTotalOf2048Characters_IsLimitExceeded()
    {
        await EnsureUserAsync("big-policies");
        var resources = string.Join(",", Enumerable.Range(0, 20).Select(i => $"\"arn:aws:ecr:us-east-1:{Account}:repository/team/app{i:D3}\""));
        var document = $$$"""{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"ecr:BatchGetImage","Resource":[{{{resources}}}]}}""";
        Assert.InRange(document.Length, 1025, 2048);

        (await _aws.IamJsonAsync(["put-user-policy", "--user-name", "big-policies", "--policy-name", "first", "--policy-document", document], Ct))?.Dispose();
        var second = await _aws.IamAsync(["put-user-policy", "--user-name", "big-policies", "--policy-name", "second", "--policy-document", document], Ct);

        AssertIamError(second, "PutUserPolicy", "LimitExceeded", "Maximum policy size of 2048 bytes exceeded for user big-policies");

        // Replacing the first one with itself is within the quota: the old version does not count twice.
        (await _aws.IamJsonAsync(["put-user-policy", "--user-name", "big-policies", "--policy-name", "first", "--policy-document", document], Ct))?.Dispose();
    }

    [Fact]
    public async Task CreateAccessKey_ManyAtOnce_StaysWithinTheQuotaOfTwo()
    {
        var iam = _server.Services.GetRequiredService<Berth.Registry.Iam.IamService>();
        await iam.CreateUserAsync("racing-keys", null, Ct);
        using var start = new ManualResetEventSlim();
        var racers = Enumerable.Range(0, 16).Select(_ => Task.Run(
            async () =>
            {
                start.Wait(Ct);
                try
                {
                    await iam.CreateAccessKeyAsync("racing-keys", Ct);
                    return "created";
                }
                catch (Berth.Registry.RegistryException e)
                {
                    return e.Detail;
                }
            },
            Ct)).ToList();

        start.Set();
        var attempts = await Task.WhenAll(racers);

        Assert.Equal(2, attempts.Count(a => a == "created"));
        Assert.All(attempts.Where(a => a != "created"), a => Assert.Equal("Cannot exceed quota for AccessKeysPerUser: 2", a));
        Assert.Equal(2, (await iam.ListAccessKeysAsync("racing-keys", Ct)).Count);
    }

    [Fact]
    public async Task PutUserPolicy_DocumentOverIamsParameterLimit_IsValidationError()
    {
        await EnsureUserAsync("huge-policy");
        var document = """{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"ecr:*","Resource":"*"}}""" + new string(' ', 131_072);

        var file = Path.Combine(_home.Path, "huge-policy.json");
        await File.WriteAllTextAsync(file, document, Ct);

        // Through a file: one argument of this size is over the kernel's limit for a command line.
        var result = await _aws.IamAsync(["put-user-policy", "--user-name", "huge-policy", "--policy-name", "huge", "--policy-document", "file://" + file], Ct);

        AssertIamError(result, "PutUserPolicy", "ValidationError", "Member must have length less than or equal to 131072");
        AssertNoServerErrors();
    }

    [Fact]
    public async Task BadNamesAndUnknownEntities_AreIamErrors_NeverA500()
    {
        await EnsureUserAsync("dup");

        AssertIamError(await _aws.IamAsync(["create-user", "--user-name", "dup"], Ct), "CreateUser", "EntityAlreadyExists", "User with name dup already exists.");
        AssertIamError(await _aws.IamAsync(["create-user", "--user-name", "DUP"], Ct), "CreateUser", "EntityAlreadyExists", "User with name DUP already exists.");
        AssertIamError(await _aws.IamAsync(["create-user", "--user-name", "no spaces"], Ct), "CreateUser", "ValidationError", "Member must satisfy regular expression pattern: [\\w+=,.@-]+");
        AssertIamError(await _aws.IamAsync(["create-user", "--user-name", new string('a', 65)], Ct), "CreateUser", "ValidationError", "Member must have length less than or equal to 64");
        AssertIamError(await _aws.IamAsync(["get-user", "--user-name", "ghost"], Ct), "GetUser", "NoSuchEntity", "The user with name ghost cannot be found.");
        AssertIamError(await _aws.IamAsync(["create-access-key", "--user-name", "ghost"], Ct), "CreateAccessKey", "NoSuchEntity", "The user with name ghost cannot be found.");
        AssertIamError(await _aws.IamAsync(["list-user-policies", "--user-name", "ghost"], Ct), "ListUserPolicies", "NoSuchEntity", "cannot be found");
        AssertIamError(await _aws.IamAsync(["get-user-policy", "--user-name", "dup", "--policy-name", "none"], Ct), "GetUserPolicy", "NoSuchEntity", "The user policy with name none cannot be found.");
        AssertIamError(await _aws.IamAsync(["delete-user-policy", "--user-name", "dup", "--policy-name", "none"], Ct), "DeleteUserPolicy", "NoSuchEntity", "cannot be found");
        AssertIamError(await _aws.IamAsync(["delete-access-key", "--user-name", "dup", "--access-key-id", "AKIAAAAAAAAAAAAAAAAA"], Ct), "DeleteAccessKey", "NoSuchEntity", "The Access Key with id AKIAAAAAAAAAAAAAAAAA cannot be found.");
        AssertIamError(await _aws.IamAsync(["update-access-key", "--user-name", "dup", "--access-key-id", "AKIAAAAAAAAAAAAAAAAA", "--status", "Active"], Ct), "UpdateAccessKey", "NoSuchEntity", "cannot be found");
        AssertIamError(await _aws.IamAsync(["delete-user", "--user-name", "admin"], Ct), "DeleteUser", "DeleteConflict", "bootstrap admin");
        AssertNoServerErrors();
    }

    [Fact]
    public async Task CreateAccessKey_ThirdKey_IsLimitExceeded()
    {
        await EnsureUserAsync("two-keys");
        (await _aws.IamJsonAsync(["create-access-key", "--user-name", "two-keys"], Ct))?.Dispose();
        (await _aws.IamJsonAsync(["create-access-key", "--user-name", "two-keys"], Ct))?.Dispose();

        var third = await _aws.IamAsync(["create-access-key", "--user-name", "two-keys"], Ct);

        AssertIamError(third, "CreateAccessKey", "LimitExceeded", "Cannot exceed quota for AccessKeysPerUser: 2");
    }

    [Fact]
    public async Task UserWithoutIamPermissions_IsAccessDenied_UntilAPolicyGrantsIt()
    {
        var key = await _aws.CreateUserWithKeyAsync("operator", Ct);
        var asOperator = _aws.As(key);

        var denied = await asOperator.IamAsync(["create-user", "--user-name", "made-by-operator"], Ct);
        AssertIamError(
            denied, "CreateUser", "AccessDenied",
            $"User: arn:aws:iam::{Account}:user/operator is not authorized to perform: iam:CreateUser on resource: arn:aws:iam::{Account}:user/made-by-operator");

        (await _aws.IamJsonAsync(["put-user-policy", "--user-name", "operator", "--policy-name", "iam", "--policy-document",
            """{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iam:*User","Resource":"*"}}"""], Ct))?.Dispose();

        using var made = await asOperator.IamJsonAsync(["create-user", "--user-name", "made-by-operator"], Ct);
        Assert.Equal("made-by-operator", made!.RootElement.GetProperty("User").GetProperty("UserName").GetString());
        AssertIamError(await asOperator.IamAsync(["create-access-key", "--user-name", "made-by-operator"], Ct), "CreateAccessKey", "AccessDenied", "iam:CreateAccessKey");
    }

    [Fact]
    public async Task UpdateAccessKey_WithoutUserName_ActsOnTheCallersKeysOnly()
    {
        var own = await _aws.CreateUserWithKeyAsync("self-service", Ct);
        var victim = await _aws.CreateUserWithKeyAsync("victim", Ct);
        (await _aws.IamJsonAsync(["put-user-policy", "--user-name", "self-service", "--policy-name", "own-keys", "--policy-document",
            $$$"""{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":["iam:UpdateAccessKey","iam:ListAccessKeys"],"Resource":"arn:aws:iam::{{{Account}}}:user/self-service"}}"""], Ct))?.Dispose();
        var self = _aws.As(own);

        var other = await self.IamAsync(["update-access-key", "--access-key-id", victim.AccessKeyId, "--status", "Inactive"], Ct);
        var named = await self.IamAsync(["update-access-key", "--user-name", "victim", "--access-key-id", victim.AccessKeyId, "--status", "Inactive"], Ct);
        var mine = await self.IamAsync(["update-access-key", "--access-key-id", own.AccessKeyId, "--status", "Active"], Ct);

        AssertIamError(other, "UpdateAccessKey", "NoSuchEntity", $"The Access Key with id {victim.AccessKeyId} cannot be found.");
        AssertIamError(named, "UpdateAccessKey", "AccessDenied", "iam:UpdateAccessKey on resource: arn:aws:iam::000000000000:user/victim");
        Assert.True(mine.ExitCode == 0, mine.ToString());
        using var keys = await _aws.IamJsonAsync(["list-access-keys", "--user-name", "victim"], Ct);
        Assert.Equal("Active", keys!.RootElement.GetProperty("AccessKeyMetadata")[0].GetProperty("Status").GetString());
    }

    [Fact]
    public async Task UnsignedRequest_IsAnXmlErrorResponseInIamsShape()
    {
        using var http = new HttpClient { BaseAddress = _server.BaseAddress };
        using var content = new FormUrlEncodedContent([new("Action", "ListUsers"), new("Version", "2010-05-08")]);

        using var response = await http.PostAsync("/", content, Ct);

        Assert.Equal(System.Net.HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("text/xml", response.Content.Headers.ContentType?.MediaType);
        var xml = XDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        XNamespace ns = "https://iam.amazonaws.com/doc/2010-05-08/";
        Assert.Equal(ns + "ErrorResponse", xml.Root!.Name);
        var error = xml.Root.Element(ns + "Error")!;
        Assert.Equal("Sender", error.Element(ns + "Type")!.Value);
        Assert.Equal("MissingAuthenticationToken", error.Element(ns + "Code")!.Value);
        Assert.False(string.IsNullOrEmpty(error.Element(ns + "Message")!.Value));
        Assert.Equal(response.Headers.GetValues("x-amzn-RequestId").Single(), xml.Root.Element(ns + "RequestId")!.Value);
    }

    public void Dispose() => _home.Dispose();

    private async Task EnsureUserAsync(string name)
    {
        var result = await _aws.IamAsync(["create-user", "--user-name", name], Ct);
        Assert.True(result.ExitCode == 0 || result.StandardError.Contains("EntityAlreadyExists", StringComparison.Ordinal), result.ToString());
    }

    private void AssertNoServerErrors() =>
        Assert.DoesNotContain(_server.Logs.Requests(), r => r.Status >= 500);

    private static void AssertIamError(ProcessResult result, string operation, string code, string message)
    {
        Assert.True(result.ExitCode == 254 || result.ExitCode == 255, result.ToString());
        Assert.Contains($"An error occurred ({code}) when calling the {operation} operation: ", result.StandardError, StringComparison.Ordinal);
        Assert.Contains(message, result.StandardError, StringComparison.Ordinal);
    }
}
