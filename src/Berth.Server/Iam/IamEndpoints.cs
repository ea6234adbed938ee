using System.Collections.Frozen;
using System.Text;
using Berth.Registry;
using Berth.Registry.Security;
using Berth.Registry.Audit;
using Berth.Server.Audit;
using Berth.Server.Auth;
using Berth.Server.Hosting;
using Microsoft.AspNetCore.WebUtilities;

namespace Berth.Server.Iam;

/// <summary>One IAM API call after its signature has been verified.</summary>
/// <param name="Http">The request.</param>
/// <param name="Action">The <c>Action</c> parameter, e.g. <c>CreateUser</c>.</param>
/// <param name="Parameters">The form parameters.</param>
/// <param name="Caller">The verified access key and its owner.</param>
/// <param name="RequestId">The request id, echoed in the response.</param>
internal sealed record IamCall(HttpContext Http, string Action, IReadOnlyDictionary<string, string> Parameters, ResolvedAccessKey Caller, string RequestId)
{
    public string? Get(string name) => Parameters.TryGetValue(name, out var value) ? value : null;

    public CancellationToken Aborted => Http.RequestAborted;

    /// <summary>Authorizes <c>iam:&lt;Action&gt;</c> on <paramref name="resourceArn"/> (AccessDenied otherwise).</summary>
    public ValueTask RequireAsync(string resourceArn) =>
        Http.RequestServices.GetRequiredService<Authorizer>().RequireResourceAsync(Http, "iam:" + Action, resourceArn);

    public IResult Ok(Action<System.Xml.XmlWriter>? result) => IamXml.Response(Action, RequestId, result);
}

/// <summary>Maps the IAM Query API (<c>POST /</c>, form-encoded <c>Action=…&amp;Version=2010-05-08</c>, SigV4 service
/// <c>iam</c>) on the same listener as the ECR API, told apart by its Content-Type.</summary>
internal static class IamEndpoints
{
    public const string SigningName = "iam";
    public const string ApiVersion = "2010-05-08";

    // The biggest input is PutUserPolicy: 131,072 characters of policy, up to 3 bytes each once form-encoded.
    private const int MaxBodyBytes = 512 * 1024;

    private static readonly FrozenDictionary<string, Func<IamCall, ValueTask<IResult>>> Operations =
        new Dictionary<string, Func<IamCall, ValueTask<IResult>>>(StringComparer.Ordinal)
        {
            ["CreateUser"] = IamOperations.CreateUserAsync,
            ["GetUser"] = IamOperations.GetUserAsync,
            ["ListUsers"] = IamOperations.ListUsersAsync,
            ["DeleteUser"] = IamOperations.DeleteUserAsync,
            ["CreateAccessKey"] = IamOperations.CreateAccessKeyAsync,
            ["ListAccessKeys"] = IamOperations.ListAccessKeysAsync,
            ["UpdateAccessKey"] = IamOperations.UpdateAccessKeyAsync,
            ["DeleteAccessKey"] = IamOperations.DeleteAccessKeyAsync,
            ["PutUserPolicy"] = IamOperations.PutUserPolicyAsync,
            ["GetUserPolicy"] = IamOperations.GetUserPolicyAsync,
            ["ListUserPolicies"] = IamOperations.ListUserPoliciesAsync,
            ["DeleteUserPolicy"] = IamOperations.DeleteUserPolicyAsync,
            [IamOperations.RevokeUserTokens] = IamOperations.RevokeUserTokensAsync,
        }.ToFrozenDictionary();

    /// <summary>Where an operation leaves the id of an access key it created, for the audit log.</summary>
    public const string CreatedAccessKeyItem = "berth.audit.createdAccessKeyId";

    // The parameters recorded for a change: names and ids only (never PolicyDocument, never a secret).
    private static readonly string[] AuditedParameters = ["UserName", "AccessKeyId", "PolicyName", "Status"];

    /// <summary>True for an IAM Query request: <c>POST /</c> with a form body (the ECR API sends AWS JSON).</summary>
    public static bool IsIamRequest(HttpRequest request) =>
        HttpMethods.IsPost(request.Method)
        && request.Path == "/"
        && request.ContentType is { } type
        && type.StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase);

    /// <summary>The request id of the current IAM call (set before anything can fail, so errors carry it too).</summary>
    public static string RequestId(HttpContext http) =>
        http.Items.TryGetValue(typeof(IamCall), out var id) && id is string text ? text : Guid.NewGuid().ToString();

    public static async Task HandleAsync(HttpContext http)
    {
        var requestId = Guid.NewGuid().ToString();
        http.Items[typeof(IamCall)] = requestId;
        http.Response.Headers["x-amzn-RequestId"] = requestId;
        var body = await RequestBody.ReadAsync(http.Request, MaxBodyBytes, RegistryError.ValidationError, "the request body", http.RequestAborted);
        var verifier = http.RequestServices.GetRequiredService<SigV4Verifier>();
        var caller = await verifier.VerifyAsync(http.Request, body, SigningName, http.RequestAborted);
        http.Features.Set<IRegistryIdentityFeature>(new RegistryIdentityFeature(caller.Principal));

        var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, values) in QueryHelpers.ParseQuery(Encoding.UTF8.GetString(body)))
        {
            parameters[name] = values.Count > 0 ? values[0] ?? "" : "";
        }

        var action = parameters.GetValueOrDefault("Action") ?? "";
        if (Operations.ContainsKey(action))
        {
            http.Items[RequestLogging.OperationItem] = action;
        }

        if (parameters.TryGetValue("Version", out var version) && version != ApiVersion)
        {
            throw new RegistryException(RegistryError.UnknownOperation, $"Could not find operation {action} for version {version}");
        }

        if (!Operations.TryGetValue(action, out var operation))
        {
            throw new RegistryException(RegistryError.UnknownOperation, $"Could not find operation {action} for version {ApiVersion}");
        }

        var result = await operation(new IamCall(http, action, parameters, caller, requestId));
        if (!action.StartsWith("Get", StringComparison.Ordinal) && !action.StartsWith("List", StringComparison.Ordinal))
        {
            AuditChange(http, action, parameters, caller);
        }

        await result.ExecuteAsync(http);
    }

    private static void AuditChange(HttpContext http, string action, Dictionary<string, string> parameters, ResolvedAccessKey caller)
    {
        var details = AuditedParameters
            .Where(parameters.ContainsKey)
            .ToDictionary(name => char.ToLowerInvariant(name[0]) + name[1..], name => parameters[name], StringComparer.Ordinal);
        if (http.Items[CreatedAccessKeyItem] is string created)
        {
            details["accessKeyId"] = created;
        }

        // Operations without UserName act on the caller, as in IAM.
        var user = parameters.GetValueOrDefault("UserName") ?? caller.Principal.Name;
        details.TryAdd("userName", user);
        var resource = http.RequestServices.GetRequiredService<RegistryOptions>().UserArn(user);
        http.Audit(AuditEvent.AdminChange, "iam:" + action, resource, details);
    }
}
