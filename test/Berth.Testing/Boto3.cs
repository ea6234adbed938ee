using System.Text.Json;

namespace Berth.Testing;

/// <summary>Runs a boto3 script against a test server with the bootstrap credentials and prints what it collected.</summary>
/// <remarks>
/// The script runs after a prelude that defines <c>ecr</c> (the client), <c>V</c> (the variables the test passed, sent as JSON on stdin),
/// <c>out</c> (a dict printed as JSON at the end; datetimes as epoch seconds, bytes as text), <c>call(op, **kw)</c>
/// (the response without ResponseMetadata, or <c>{"error": code, "message": …, "extra": {modeled error members}}</c>)
/// and <c>registry_get(url)</c> (a GET with the registry password, like a pull).
/// </remarks>
public sealed class Boto3(BerthTestServer server, string home)
{
    private const string Prelude = """
        import base64, datetime, json, os, sys, urllib.request
        import boto3, botocore.exceptions
        ecr = boto3.client("ecr", endpoint_url=os.environ["BERTH_URL"], region_name="us-east-1")
        V = json.loads(sys.stdin.read())
        out = {}
        def call(_op, **kwargs):
            try:
                response = getattr(ecr, _op)(**kwargs)
                response.pop("ResponseMetadata", None)
                return response
            except botocore.exceptions.ClientError as e:
                extra = {k: v for k, v in e.response.items() if k not in ("Error", "ResponseMetadata")}
                return {"error": e.response["Error"]["Code"], "message": e.response["Error"].get("Message"), "status": e.response["ResponseMetadata"]["HTTPStatusCode"], "extra": extra}
        def registry_get(url):
            token = ecr.get_authorization_token()["authorizationData"][0]["authorizationToken"]
            request = urllib.request.Request(url, headers={"Authorization": "Basic " + token})
            with urllib.request.urlopen(request) as response:
                return response.read()
        def encode(o):
            if isinstance(o, datetime.datetime):
                return {"epoch": o.timestamp(), "aware": o.tzinfo is not None}
            if isinstance(o, bytes):
                return o.decode("utf-8", "replace")
            raise TypeError(type(o))

        """;

    private const string Epilogue = "\nprint(json.dumps(out, default=encode))\n";

    /// <summary>Runs <paramref name="script"/>; fails the test unless python exits 0; returns <c>out</c>.</summary>
    public async Task<JsonElement> RunAsync(string script, object? variables = null)
    {
        var python = RealClients.RequirePythonWithBoto3();
        var environment = new Dictionary<string, string?>(server.AwsEnvironment(home))
        {
            ["BERTH_URL"] = server.EndpointUrl,
        };
        var result = await ProcessRunner.RunAsync(
            python,
            ["-c", Prelude + script + Epilogue],
            environment,
            standardInput: JsonSerializer.Serialize(variables ?? new { }),
            timeout: TimeSpan.FromMinutes(3), cancellationToken: TestContext.Current.CancellationToken);
        Assert.True(result.ExitCode == 0, result.ToString());
        using var json = JsonDocument.Parse(result.StandardOutput);
        return json.RootElement.Clone();
    }
}
