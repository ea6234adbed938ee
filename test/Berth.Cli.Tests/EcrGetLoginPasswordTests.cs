using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Berth.Protocol.Tokens;
using Berth.Testing;

namespace Berth.Cli.Tests;

/// <summary><c>berth ecr get-login-password</c> against the real server, held to what <c>aws ecr get-login-password</c> does.</summary>
public sealed class EcrGetLoginPasswordTests : IDisposable
{
    private const string ErrorPrefix = "\nAn error occurred (";
    private readonly TempDirectory _home = TempDirectory.Create("berth-home-");

    [Fact]
    public async Task GetLoginPassword_BootstrapProfile_PrintsPasswordTheRegistryAccepts()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await BerthTestServer.StartAsync(cancellationToken: ct);

        // No --region: the bootstrap profile in the credentials file carries it.
        var result = await Cli(server.AwsEnvironment(_home.Path)).RunAsync(["ecr", "get-login-password", "--endpoint-url", server.EndpointUrl], cancellationToken: ct);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("", result.Error);
        Assert.EndsWith("\n", result.Output, StringComparison.Ordinal);
        var password = result.Output[..^1];
        Assert.StartsWith("eyJwYXlsb2FkIjoi", password, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, await PingAsync(server, password, ct));
    }

    [Fact]
    public async Task GetLoginPassword_ComparedWithAwsCli_SameShape()
    {
        var aws = RealClients.Require("aws");
        var ct = TestContext.Current.CancellationToken;
        await using var server = await BerthTestServer.StartAsync(cancellationToken: ct);
        var environment = server.AwsEnvironment(_home.Path);
        string[] arguments = ["ecr", "get-login-password", "--endpoint-url", server.EndpointUrl, "--region", "us-east-1"];

        var berth = await Cli(environment).RunAsync(arguments, cancellationToken: ct);
        var reference = await ProcessRunner.RunAsync(aws, arguments, environment, cancellationToken: ct);

        Assert.True(berth.ExitCode == 0, berth.ToString());
        Assert.True(reference.ExitCode == 0, reference.ToString());
        var ours = berth.Output.TrimEnd('\n');
        var theirs = reference.StandardOutput.TrimEnd('\n');
        Assert.StartsWith("eyJwYXlsb2FkIjoi", ours, StringComparison.Ordinal);
        Assert.StartsWith("eyJwYXlsb2FkIjoi", theirs, StringComparison.Ordinal);
        Assert.Equal(MemberNames(theirs), MemberNames(ours));
        Assert.Equal(["payload", "datakey", "version", "type", "expiration"], MemberNames(ours));
        Assert.Equal(reference.StandardOutput.Length - theirs.Length, berth.Output.Length - ours.Length);
        Assert.Equal(HttpStatusCode.OK, await PingAsync(server, ours, ct));
    }

    [Fact]
    public async Task GetLoginPassword_EnvironmentCredentials_Work()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await BerthTestServer.StartAsync(cancellationToken: ct);
        var environment = new Dictionary<string, string?>(server.AwsEnvironment(_home.Path))
        {
            ["AWS_PROFILE"] = null,
            ["AWS_SHARED_CREDENTIALS_FILE"] = _home.Combine("no-credentials"),
            ["AWS_ACCESS_KEY_ID"] = server.AccessKeyId,
            ["AWS_SECRET_ACCESS_KEY"] = server.SecretAccessKey,
            ["AWS_ENDPOINT_URL_ECR"] = server.EndpointUrl,
            ["AWS_DEFAULT_REGION"] = "us-east-1",
        };

        var result = await Cli(environment).RunAsync(["ecr", "get-login-password"], cancellationToken: ct);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(HttpStatusCode.OK, await PingAsync(server, result.Output.TrimEnd('\n'), ct));
    }

    [Fact]
    public async Task GetLoginPassword_ProfileOption_SelectsProfileFromPrivateCredentialsFile()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await BerthTestServer.StartAsync(cancellationToken: ct);
        var credentials = _home.Combine("credentials");
        await File.WriteAllTextAsync(
            credentials,
            $"""
            [default]
            aws_access_key_id = AKIAUNKNOWNUNKNOWN00
            aws_secret_access_key = {new string('x', 40)}

            [ci]
            aws_access_key_id = {server.AccessKeyId}
            aws_secret_access_key = {server.SecretAccessKey}
            region = us-east-1
            """,
            ct);

        // --profile also wins over credentials in the environment, as in the aws CLI.
        var environment = new Dictionary<string, string?>(server.AwsEnvironment(_home.Path))
        {
            ["AWS_SHARED_CREDENTIALS_FILE"] = credentials,
            ["AWS_PROFILE"] = null,
            ["AWS_ACCESS_KEY_ID"] = "AKIAUNKNOWNUNKNOWN00",
            ["AWS_SECRET_ACCESS_KEY"] = new string('y', 40),
        };

        var result = await Cli(environment).RunAsync(["ecr", "get-login-password", "--endpoint-url", server.EndpointUrl, "--profile", "ci"], cancellationToken: ct);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(HttpStatusCode.OK, await PingAsync(server, result.Output.TrimEnd('\n'), ct));
    }

    [Fact]
    public async Task GetLoginPassword_WrongSecret_Exits255WithInvalidSignatureException()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await BerthTestServer.StartAsync(cancellationToken: ct);
        var credentials = _home.Combine("credentials");
        var wrongSecret = new string('x', 40);
        await File.WriteAllTextAsync(credentials, $"[berth]\naws_access_key_id = {server.AccessKeyId}\naws_secret_access_key = {wrongSecret}\n", ct);
        var environment = new Dictionary<string, string?>(server.AwsEnvironment(_home.Path)) { ["AWS_SHARED_CREDENTIALS_FILE"] = credentials };

        var result = await Cli(environment).RunAsync(["ecr", "get-login-password", "--endpoint-url", server.EndpointUrl, "--region", "us-east-1"], cancellationToken: ct);

        Assert.Equal(255, result.ExitCode);
        Assert.Equal("", result.Output);
        Assert.StartsWith(ErrorPrefix + "InvalidSignatureException) when calling the GetAuthorizationToken operation: ", result.Error, StringComparison.Ordinal);
        Assert.Contains("(InvalidSignatureException)", result.Error, StringComparison.Ordinal);
        Assert.Single(result.Error.Trim('\n').Split('\n'));
        Assert.DoesNotContain(wrongSecret, result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetLoginPassword_UnknownAccessKey_Exits255WithUnrecognizedClientException()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await BerthTestServer.StartAsync(cancellationToken: ct);
        var environment = new Dictionary<string, string?>(server.AwsEnvironment(_home.Path))
        {
            ["AWS_PROFILE"] = null,
            ["AWS_ACCESS_KEY_ID"] = "AKIAUNKNOWNUNKNOWN00",
            ["AWS_SECRET_ACCESS_KEY"] = server.SecretAccessKey,
        };

        var result = await Cli(environment).RunAsync(["ecr", "get-login-password", "--endpoint-url", server.EndpointUrl, "--region", "us-east-1"], cancellationToken: ct);

        Assert.Equal(255, result.ExitCode);
        Assert.Equal(
            "\nAn error occurred (UnrecognizedClientException) when calling the GetAuthorizationToken operation: The security token included in the request is invalid.\n",
            result.Error);
        Assert.DoesNotContain(server.SecretAccessKey, result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetLoginPassword_NoRegion_Exits255WithTheAwsMessage()
    {
        var ct = TestContext.Current.CancellationToken;
        var environment = new Dictionary<string, string?>
        {
            ["HOME"] = _home.Path,
            ["AWS_ACCESS_KEY_ID"] = "AKIDEXAMPLE",
            ["AWS_SECRET_ACCESS_KEY"] = new string('x', 40),
        };

        var result = await Cli(environment).RunAsync(["ecr", "get-login-password", "--endpoint-url", "http://127.0.0.1:5000"], cancellationToken: ct);

        Assert.Equal(255, result.ExitCode);
        Assert.Equal("", result.Output);
        Assert.Equal("You must specify a region. You can also configure your region by running \"aws configure\".\n", result.Error);
    }

    [Fact]
    public async Task GetLoginPassword_NoCredentials_Exits255WithTheAwsMessage()
    {
        var environment = new Dictionary<string, string?> { ["HOME"] = _home.Path };

        var result = await Cli(environment).RunAsync(["ecr", "get-login-password", "--region", "us-east-1"], cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(255, result.ExitCode);
        Assert.Equal("Unable to locate credentials. You can configure credentials by running \"aws configure\".\n", result.Error);
    }

    [Fact]
    public async Task GetLoginPassword_UnknownProfile_Exits255WithTheAwsMessage()
    {
        var environment = new Dictionary<string, string?> { ["HOME"] = _home.Path };

        var result = await Cli(environment).RunAsync(["ecr", "get-login-password", "--region", "us-east-1", "--profile", "nope"], cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(255, result.ExitCode);
        Assert.Equal("\nThe config profile (nope) could not be found\n", result.Error);
    }

    [Fact]
    public async Task GetLoginPassword_EndpointWithoutScheme_Exits255WithTheAwsMessage()
    {
        var environment = new Dictionary<string, string?> { ["HOME"] = _home.Path };

        var result = await Cli(environment).RunAsync(["ecr", "get-login-password", "--endpoint-url", "127.0.0.1:5000", "--region", "us-east-1"], cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(255, result.ExitCode);
        Assert.Equal("\nBad value for --endpoint-url \"127.0.0.1:5000\": scheme is missing.  Must be of the form http://<hostname>/ or https://<hostname>/\n", result.Error);
    }

    [Fact]
    public async Task GetLoginPassword_ClosedPort_Exits255WithOneLineNamingTheUrl()
    {
        var port = ClosedPort();
        var environment = new Dictionary<string, string?>
        {
            ["HOME"] = _home.Path,
            ["AWS_ACCESS_KEY_ID"] = "AKIDEXAMPLE",
            ["AWS_SECRET_ACCESS_KEY"] = new string('x', 40),
        };

        var result = await Cli(environment).RunAsync(["ecr", "get-login-password", "--endpoint-url", $"http://127.0.0.1:{port}", "--region", "us-east-1"], cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(255, result.ExitCode);
        Assert.Equal("", result.Output);
        Assert.Equal($"\nCould not connect to the endpoint URL: \"http://127.0.0.1:{port}/\"\n", result.Error);
    }

    public void Dispose() => _home.Dispose();

    private static CliRunner Cli(IReadOnlyDictionary<string, string?> environment) => new(environment);

    private static async Task<HttpStatusCode> PingAsync(BerthTestServer server, string password, CancellationToken cancellationToken)
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(server.BaseAddress, "/v2/"));
        request.Headers.Authorization = new("Basic", new BasicCredentials("AWS", password).Encode());
        using var response = await http.SendAsync(request, cancellationToken);
        return response.StatusCode;
    }

    private static string[] MemberNames(string password)
    {
        using var json = JsonDocument.Parse(Convert.FromBase64String(password));
        return [.. json.RootElement.EnumerateObject().Select(p => p.Name)];
    }

    // A port that was just free: bind, note it, release it; nothing listens there.
    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
