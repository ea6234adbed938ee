using Berth.Protocol;
using Berth.Protocol.Ecr;
using Berth.Registry;
using Berth.Registry.Blobs;
using Berth.Registry.Security;
using Berth.Registry.Storage;
using Berth.Server.Hosting;

namespace Berth.Server.Ecr;

/// <summary>The layer half of the ECR API: availability, download URLs, and uploads in base64 parts.</summary>
/// <remarks>Uploads reuse the data plane's upload sessions and blob store: a part goes straight to the upload file,
/// hashed as it is written; only the part itself is in memory, because the protocol sends it base64 inside JSON.</remarks>
internal static class LayerOperations
{
    /// <summary>What InitiateLayerUpload advertises as <c>partSize</c> (ECR's maximum part, 10 MiB; any size is accepted).</summary>
    public const long PartSize = 10 * 1024 * 1024;

    public static async ValueTask<IResult> BatchCheckAvailabilityAsync(EcrCall call)
    {
        var input = call.Read(EcrImageJsonContext.Default.BatchCheckLayerAvailabilityRequest);
        var name = EcrInput.Required(input.RepositoryName, "repositoryName");
        EcrInput.CheckRegistryId(call, input.RegistryId);
        var digests = EcrInput.Count(input.LayerDigests, "layerDigests", 1, 100);
        await EcrInput.AuthorizedRepositoryAsync(call, EcrActions.BatchCheckLayerAvailability, name);
        var blobs = Blobs(call);
        var layers = new List<EcrLayer>();
        var failures = new List<LayerFailure>();
        foreach (var text in digests)
        {
            if (string.IsNullOrEmpty(text))
            {
                failures.Add(new LayerFailure(text ?? "", "MissingLayerDigest", "Missing layer digest"));
            }
            else if (!Digest.TryParse(text, out var digest))
            {
                failures.Add(new LayerFailure(text, "InvalidLayerDigest", $"Invalid layer digest '{text}'"));
            }
            else
            {
                var blob = await blobs.FindAsync(name, digest, call.Http.RequestAborted);
                layers.Add(new EcrLayer(text, blob is null ? "UNAVAILABLE" : "AVAILABLE", blob?.Length));
            }
        }

        return EcrInput.Json(new BatchCheckLayerAvailabilityResponse(layers, failures), EcrImageJsonContext.Default.BatchCheckLayerAvailabilityResponse);
    }

    public static async ValueTask<IResult> GetDownloadUrlAsync(EcrCall call)
    {
        var input = call.Read(EcrImageJsonContext.Default.GetDownloadUrlForLayerRequest);
        var name = EcrInput.Required(input.RepositoryName, "repositoryName");
        var text = EcrInput.Required(input.LayerDigest, "layerDigest");
        EcrInput.CheckRegistryId(call, input.RegistryId);
        var digest = ParseLayerDigest(text, "layerDigest");
        await EcrInput.AuthorizedRepositoryAsync(call, EcrActions.GetDownloadUrlForLayer, name);
        if (await Blobs(call).FindAsync(name, digest, call.Http.RequestAborted) is null)
        {
            throw LayerNotFound(call, name, digest);
        }

        // ECR hands out a pre-signed S3 URL; Berth's blobs live on /v2, which takes the same registry credentials as a pull.
        var options = call.Http.RequestServices.GetRequiredService<BerthServerOptions>();
        var request = call.Http.Request;
        var origin = options.PublicUrl?.GetLeftPart(UriPartial.Authority) ?? $"{request.Scheme}://{request.Host.Value}";
        return EcrInput.Json(
            new GetDownloadUrlForLayerResponse($"{origin}/v2/{name}/blobs/{digest}", digest.ToString()),
            EcrImageJsonContext.Default.GetDownloadUrlForLayerResponse);
    }

    public static async ValueTask<IResult> InitiateUploadAsync(EcrCall call)
    {
        var input = call.Read(EcrImageJsonContext.Default.InitiateLayerUploadRequest);
        var name = EcrInput.Required(input.RepositoryName, "repositoryName");
        EcrInput.CheckRegistryId(call, input.RegistryId);
        await EcrInput.AuthorizedRepositoryAsync(call, EcrActions.InitiateLayerUpload, name);
        await using var upload = await Blobs(call).StartUploadAsync(name, call.Http.RequestAborted);
        return EcrInput.Json(new InitiateLayerUploadResponse(upload.Id, PartSize), EcrImageJsonContext.Default.InitiateLayerUploadResponse);
    }

    public static async ValueTask<IResult> UploadPartAsync(EcrCall call)
    {
        var input = call.Read(EcrImageJsonContext.Default.UploadLayerPartRequest);
        var name = EcrInput.Required(input.RepositoryName, "repositoryName");
        var uploadId = EcrInput.Required(input.UploadId, "uploadId");
        var first = EcrInput.Required(input.PartFirstByte, "partFirstByte");
        var last = EcrInput.Required(input.PartLastByte, "partLastByte");
        var part = input.LayerPartBlob ?? throw new RegistryException(
            RegistryError.InvalidParameter, "1 validation error detected: Value null at 'layerPartBlob' failed to satisfy constraint: Member must not be null");
        EcrInput.CheckRegistryId(call, input.RegistryId);
        await EcrInput.AuthorizedRepositoryAsync(call, EcrActions.UploadLayerPart, name);
        await using var upload = await ResumeAsync(call, name, uploadId);

        if (first < 0 || first != upload.Length || last - first + 1 != part.Length)
        {
            return InvalidPart(
                call, name, upload,
                first != upload.Length
                    ? $"The part's first byte {first} is not where the upload ends; the last valid byte received is {upload.Length - 1}"
                    : $"The part is {part.Length} bytes, but partFirstByte {first} and partLastByte {last} describe {last - first + 1}");
        }

        try
        {
            using var content = new MemoryStream(part, writable: false);
            await upload.AppendAsync(content, first, call.Http.RequestAborted);
        }
        catch (RegistryException e) when (e.Error == RegistryError.RangeInvalid)
        {
            // Another part landed first (a retried or parallel request); the client resumes from what is stored.
            return InvalidPart(call, name, upload, $"The part does not start where the upload ends; the last valid byte received is {upload.Length - 1}");
        }

        return EcrInput.Json(
            new UploadLayerPartResponse(EcrInput.AccountId(call), name, uploadId, upload.Length - 1),
            EcrImageJsonContext.Default.UploadLayerPartResponse);
    }

    public static async ValueTask<IResult> CompleteUploadAsync(EcrCall call)
    {
        var input = call.Read(EcrImageJsonContext.Default.CompleteLayerUploadRequest);
        var name = EcrInput.Required(input.RepositoryName, "repositoryName");
        var uploadId = EcrInput.Required(input.UploadId, "uploadId");
        var digests = EcrInput.Count(input.LayerDigests, "layerDigests", 1, 100);
        EcrInput.CheckRegistryId(call, input.RegistryId);
        if (digests.Count != 1)
        {
            throw new RegistryException(RegistryError.InvalidParameter, "Invalid parameter at 'layerDigests': a layer upload completes with exactly one digest");
        }

        var digest = ParseLayerDigest(digests[0], "layerDigests");
        await EcrInput.AuthorizedRepositoryAsync(call, EcrActions.CompleteLayerUpload, name);
        var blobs = Blobs(call);
        var ct = call.Http.RequestAborted;
        await using var upload = await ResumeAsync(call, name, uploadId);
        if (upload.Length == 0)
        {
            throw new RegistryException(RegistryError.EmptyUpload, $"The upload with id '{uploadId}' in the repository with name '{name}' has received no layer parts");
        }

        if (await blobs.FindAsync(name, digest, ct) is not null)
        {
            await blobs.CancelUploadAsync(upload, ct);
            throw new RegistryException(
                RegistryError.LayerAlreadyExists,
                $"The layer with digest '{digest}' already exists in the repository with name '{name}' in the registry with id '{EcrInput.AccountId(call)}'");
        }

        try
        {
            await blobs.CompleteUploadAsync(name, upload, digest, ct);
        }
        catch (RegistryException e) when (e.Error == RegistryError.DigestInvalid)
        {
            // The upload stays, so the client can fix a wrong digest without sending the layer again.
            throw new RegistryException(RegistryError.BlobUploadInvalid, $"The calculated digest of the uploaded layer does not match the provided digest '{digest}'");
        }

        return EcrInput.Json(
            new CompleteLayerUploadResponse(EcrInput.AccountId(call), name, uploadId, digest.ToString()),
            EcrImageJsonContext.Default.CompleteLayerUploadResponse);
    }

    private static async ValueTask<IBlobUpload> ResumeAsync(EcrCall call, string repository, string uploadId)
    {
        try
        {
            return await Blobs(call).ResumeUploadAsync(repository, uploadId, call.Http.RequestAborted);
        }
        catch (RegistryException e) when (e.Error == RegistryError.BlobUploadUnknown)
        {
            throw new RegistryException(
                RegistryError.BlobUploadUnknown,
                $"The upload with id '{uploadId}' does not exist within the repository with name '{repository}' in the registry with id '{EcrInput.AccountId(call)}'");
        }
    }

    private static IResult InvalidPart(EcrCall call, string repository, IBlobUpload upload, string message) =>
        TypedResults.Json(
            new InvalidLayerPartBody(message, EcrInput.AccountId(call), repository, upload.Id, upload.Length - 1),
            EcrImageJsonContext.Default.InvalidLayerPartBody,
            EcrProtocol.ContentType,
            StatusCodes.Status400BadRequest);

    private static Digest ParseLayerDigest(string text, string member) =>
        Digest.TryParse(text, out var digest)
            ? digest
            : throw new RegistryException(
                RegistryError.InvalidParameter,
                $"Invalid parameter at '{member}' failed to satisfy constraint: 'Member must satisfy regular expression pattern: [a-zA-Z0-9-_+.]+:[a-fA-F0-9]+'");

    private static RegistryException LayerNotFound(EcrCall call, string repository, Digest digest) =>
        new(RegistryError.BlobUnknown, $"The layer with digest '{digest}' does not exist within the repository with name '{repository}' in the registry with id '{EcrInput.AccountId(call)}'");

    private static BlobService Blobs(EcrCall call) => call.Http.RequestServices.GetRequiredService<BlobService>();
}
