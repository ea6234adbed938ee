using System.Collections.Frozen;
using System.Text.Json;
using Berth.Protocol.Ecr;
using Berth.Registry;
using Berth.Registry.Policies;
using Berth.Registry.Security;
using Berth.Registry.Audit;
using Berth.Server.Audit;
using Berth.Server.Auth;
using Berth.Server.Hosting;

namespace Berth.Server.Ecr;

/// <summary>One ECR API call after its signature has been verified.</summary>
/// <param name="Http">The request.</param>
/// <param name="Body">The raw JSON body.</param>
/// <param name="Caller">The verified access key and its owner.</param>
internal sealed record EcrCall(HttpContext Http, ReadOnlyMemory<byte> Body, ResolvedAccessKey Caller)
{
    /// <summary>Reads the body as <typeparamref name="T"/>; a body that is not JSON of that shape is a SerializationException.</summary>
    public T Read<T>(System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type)
    {
        try
        {
            return JsonSerializer.Deserialize(Body.Span, type) ?? throw new RegistryException(RegistryError.Serialization);
        }
        catch (JsonException)
        {
            throw new RegistryException(RegistryError.Serialization, "Start of structure or map found where not expected, or the body is not valid JSON.");
        }
    }

    /// <summary>Authorizes the caller for <paramref name="action"/> on a repository (AccessDeniedException otherwise).</summary>
    public ValueTask RequireAsync(string action, string repository) =>
        Http.RequestServices.GetRequiredService<Authorizer>().RequireAsync(Http, repository, action);
}

/// <summary>Maps Amazon ECR's AWS JSON 1.1 API on <c>POST /</c>, dispatching on <c>X-Amz-Target</c>.</summary>
internal static class EcrEndpoints
{
    // The ECR API carries JSON only; the biggest input is UploadLayerPart (20 MiB base64-encoded).
    private const int MaxBodyBytes = 32 * 1024 * 1024;

    private static readonly FrozenDictionary<string, Func<EcrCall, ValueTask<IResult>>> Operations =
        new Dictionary<string, Func<EcrCall, ValueTask<IResult>>>(StringComparer.Ordinal)
        {
            ["GetAuthorizationToken"] = AuthorizationOperations.GetAuthorizationTokenAsync,
            ["CreateRepository"] = RepositoryOperations.CreateAsync,
            ["DescribeRepositories"] = RepositoryOperations.DescribeAsync,
            ["DeleteRepository"] = RepositoryOperations.DeleteAsync,
            ["PutLifecyclePolicy"] = LifecycleOperations.PutAsync,
            ["GetLifecyclePolicy"] = LifecycleOperations.GetAsync,
            ["DeleteLifecyclePolicy"] = LifecycleOperations.DeleteAsync,
            ["StartLifecyclePolicyPreview"] = LifecycleOperations.StartPreviewAsync,
            ["GetLifecyclePolicyPreview"] = LifecycleOperations.GetPreviewAsync,
            ["PutImageTagMutability"] = RepositoryOperations.PutImageTagMutabilityAsync,
            ["PutImageScanningConfiguration"] = RepositoryOperations.PutImageScanningConfigurationAsync,
            ["BatchGetRepositoryScanningConfiguration"] = RepositoryOperations.BatchGetScanningConfigurationAsync,
            ["ListImages"] = ImageOperations.ListAsync,
            ["DescribeImages"] = ImageOperations.DescribeAsync,
            ["BatchGetImage"] = ImageOperations.BatchGetAsync,
            ["BatchDeleteImage"] = ImageOperations.BatchDeleteAsync,
            ["PutImage"] = ImageOperations.PutAsync,
            ["ListImageReferrers"] = ImageOperations.ListReferrersAsync,
            ["BatchCheckLayerAvailability"] = LayerOperations.BatchCheckAvailabilityAsync,
            ["GetDownloadUrlForLayer"] = LayerOperations.GetDownloadUrlAsync,
            ["InitiateLayerUpload"] = LayerOperations.InitiateUploadAsync,
            ["UploadLayerPart"] = LayerOperations.UploadPartAsync,
            ["CompleteLayerUpload"] = LayerOperations.CompleteUploadAsync,
            ["TagResource"] = RegistryOperations.TagResourceAsync,
            ["UntagResource"] = RegistryOperations.UntagResourceAsync,
            ["ListTagsForResource"] = RegistryOperations.ListTagsForResourceAsync,
            ["DescribeRegistry"] = RegistryOperations.DescribeRegistryAsync,
            ["SetRepositoryPolicy"] = RepositoryPolicyOperations.SetAsync,
            ["GetRepositoryPolicy"] = RepositoryPolicyOperations.GetAsync,
            ["DeleteRepositoryPolicy"] = RepositoryPolicyOperations.DeleteAsync,
        }.ToFrozenDictionary();

    // Changes an operator wants in the audit log; image pushes and deletes are data, not administration.
    private static readonly FrozenSet<string> AdminOperations = new[]
    {
        "CreateRepository", "DeleteRepository", "SetRepositoryPolicy", "DeleteRepositoryPolicy", "PutLifecyclePolicy",
        "DeleteLifecyclePolicy", "PutImageTagMutability", "PutImageScanningConfiguration",
    }.ToFrozenSet(StringComparer.Ordinal);

    // Request fields worth recording; policy texts are left out (they are in the metadata, and can be long).
    private static readonly string[] AuditedFields = ["repositoryName", "imageTagMutability", "force"];

    public static IEndpointConventionBuilder MapEcrApi(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapPost("/", HandleAsync);

    private static async Task<IResult> HandleAsync(HttpContext http, SigV4Verifier verifier)
    {
        http.Response.Headers["x-amzn-RequestId"] = Guid.NewGuid().ToString();
        ReadOnlyMemory<byte> body = await RequestBody.ReadAsync(http.Request, MaxBodyBytes, RegistryError.Serialization, "the request body", http.RequestAborted);
        var caller = await verifier.VerifyAsync(http.Request, body, EcrProtocol.SigningName, http.RequestAborted);
        http.Features.Set<IRegistryIdentityFeature>(new RegistryIdentityFeature(caller.Principal));
        var target = http.Request.Headers["X-Amz-Target"].ToString();
        var prefix = EcrProtocol.TargetPrefix + ".";
        var name = target.StartsWith(prefix, StringComparison.Ordinal) ? target[prefix.Length..] : null;
        if (name is null || !Operations.TryGetValue(name, out var operation))
        {
            // Every operation of the ECR model: those without a handler answer a clear ValidationException instead of
            // UnknownOperationException, which is kept for names ECR does not have.
            throw name is not null && KnownActions.EcrOperations.Contains(name)
                ? new RegistryException(RegistryError.Unsupported, $"{name} is not supported by this registry")
                : new RegistryException(RegistryError.UnknownOperation);
        }

        var result = await operation(new EcrCall(http, body, caller));
        if (AdminOperations.Contains(name))
        {
            AuditChange(http, name, body);
        }

        return result;
    }

    private static void AuditChange(HttpContext http, string operation, ReadOnlyMemory<byte> body)
    {
        var details = new Dictionary<string, string>(StringComparer.Ordinal);
        using (var document = JsonDocument.Parse(body))
        {
            foreach (var field in AuditedFields)
            {
                if (document.RootElement.TryGetProperty(field, out var value) && value.ValueKind is not (JsonValueKind.Object or JsonValueKind.Array))
                {
                    details[field] = value.ToString();
                }
            }
        }

        var repository = details.GetValueOrDefault("repositoryName");
        var resource = repository is null ? null : http.RequestServices.GetRequiredService<RegistryOptions>().RepositoryArn(repository);
        http.Audit(AuditEvent.AdminChange, "ecr:" + operation, resource, details);
    }
}
