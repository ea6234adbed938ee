using System.Text;
using System.Text.Json.Nodes;
using Berth.Client.Registry;
using Berth.Client.Transfer;
using Berth.Protocol;
using Berth.Protocol.Tokens;
using Berth.Testing;
using Microsoft.Extensions.Time.Testing;
using static Berth.Client.Tests.Registry.RegistryTransferTestKit;

namespace Berth.Client.Tests.Registry;

/// <summary>A Berth that creates repositories on push, shared by the tests of a class.</summary>
public sealed class CreateOnPushServerFixture : IAsyncLifetime
{
    public BerthTestServer Server { get; private set; } = null!;

    public async ValueTask InitializeAsync() =>
        Server = await BerthTestServer.StartAsync(o => o with { Registry = o.Registry with { CreateOnPush = true } });

    public async ValueTask DisposeAsync() => await Server.DisposeAsync();
}

/// <summary><see cref="RegistryImageDestination"/> and <see cref="RegistryImageSource"/> against a real in-process Berth.</summary>
public sealed class RegistryTransferTests(CreateOnPushServerFixture fixture) : IClassFixture<CreateOnPushServerFixture>, IDisposable
{
    private readonly TempDirectory _work = TempDirectory.Create("berth-xfer-");

    private BerthTestServer Server => fixture.Server;

    [Fact]
    public async Task Push_ThenPull_ManifestAndBlobsAreByteIdentical()
    {
        var options = Options(_work, Server.Host, await Server.IssuePasswordAsync(Ct));
        var image = MemoryImage.Create(3000, 70_000);
        await using (var destination = await RegistryImageDestination.OpenAsync(Reference($"{Server.Host}/xfer/roundtrip:v1"), options, Ct))
        {
            Assert.True(destination.SupportsIndex);
            await PushAsync(destination, image);
        }

        await using var source = await RegistryImageSource.OpenAsync(Reference($"{Server.Host}/xfer/roundtrip:v1"), options, Ct);
        Assert.Equal(new RegistryLocation(Server.Host, "xfer/roundtrip"), source.Location);
        var root = await source.GetManifestAsync(null, Ct);
        Assert.Equal(image.Manifest.Bytes, root.Bytes);
        Assert.Equal(MediaTypes.OciManifest, root.MediaType);
        Assert.Equal(image.Manifest.Digest, root.Digest);

        var byDigest = await source.GetManifestAsync(image.Manifest.Digest, Ct);
        Assert.Equal(image.Manifest.Bytes, byDigest.Bytes);

        foreach (var blob in image.Blobs)
        {
            Assert.Equal(blob.Bytes, await ReadAllAsync(await source.OpenBlobAsync(blob.Descriptor, 0, Ct)));
        }

        // A resumed read starts at the offset (Range).
        var layer = image.Layers[1];
        Assert.Equal(layer.Bytes[12_345..], await ReadAllAsync(await source.OpenBlobAsync(layer.Descriptor, 12_345, Ct)));

        // The root also resolves through a digest reference.
        await using var pinned = await RegistryImageSource.OpenAsync(Reference($"{Server.Host}/xfer/roundtrip@{image.Manifest.Digest}"), options, Ct);
        Assert.Equal(image.Manifest.Bytes, (await pinned.GetManifestAsync(null, Ct)).Bytes);
    }

    [Fact]
    public async Task PushIndex_ChildrenByDigest_RootByTag()
    {
        var options = Options(_work, Server.Host, await Server.IssuePasswordAsync(Ct));
        var amd64 = MemoryImage.Create(100);
        var arm64 = MemoryImage.Create(200);
        var index = new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = MediaTypes.OciIndex,
            ["manifests"] = new JsonArray(MemoryImage.Json(amd64.Manifest.ToDescriptor()), MemoryImage.Json(arm64.Manifest.ToDescriptor())),
        };
        var indexContent = ManifestContent.From(Encoding.UTF8.GetBytes(index.ToJsonString()), MediaTypes.OciIndex);

        await using (var destination = await RegistryImageDestination.OpenAsync(Reference($"{Server.Host}/xfer/multi:v2"), options, Ct))
        {
            foreach (var child in new[] { amd64, arm64 })
            {
                foreach (var blob in child.Blobs)
                {
                    await destination.PutBlobAsync(blob.Descriptor, blob.Opener(), _ => { }, Ct);
                }

                await destination.PutManifestAsync(child.Manifest, isRoot: false, Ct);
            }

            await destination.PutManifestAsync(indexContent, isRoot: true, Ct);
        }

        await using var source = await RegistryImageSource.OpenAsync(Reference($"{Server.Host}/xfer/multi:v2"), options, Ct);
        var root = await source.GetManifestAsync(null, Ct);
        Assert.True(root.IsIndex);
        Assert.Equal(indexContent.Bytes, root.Bytes);
        Assert.Equal(arm64.Manifest.Bytes, (await source.GetManifestAsync(arm64.Manifest.Digest, Ct)).Bytes);
    }

    [Fact]
    public async Task PrepareBlob_AlreadyThere_IsExists()
    {
        var options = Options(_work, Server.Host, await Server.IssuePasswordAsync(Ct));
        var image = MemoryImage.Create(500);
        await using var destination = await RegistryImageDestination.OpenAsync(Reference($"{Server.Host}/xfer/exists:v1"), options, Ct);
        Assert.Equal(BlobPresence.Missing, await destination.PrepareBlobAsync(image.Layers[0].Descriptor, null, Ct));
        await PushAsync(destination, image);

        var before = Server.Logs.Requests().Count;
        Assert.Equal(BlobPresence.Exists, await destination.PrepareBlobAsync(image.Layers[0].Descriptor, null, Ct));
        Assert.Equal(["HEAD"], Server.Logs.Requests().Skip(before).Where(r => r.Path.Contains("/xfer/exists/", StringComparison.Ordinal)).Select(r => r.Method));
    }

    [Fact]
    public async Task PrepareBlob_OtherRepositoryOnTheSameRegistry_MountsWithoutUploadingABlobByte()
    {
        var options = Options(_work, Server.Host, await Server.IssuePasswordAsync(Ct));
        var image = MemoryImage.Create(40_000);
        await using (var first = await RegistryImageDestination.OpenAsync(Reference($"{Server.Host}/xfer/mount-from:v1"), options, Ct))
        {
            await PushAsync(first, image);
        }

        var before = Server.Logs.Requests().Count;
        await using (var second = await RegistryImageDestination.OpenAsync(Reference($"{Server.Host}/xfer/mount-to:v1"), options, Ct))
        {
            var from = new RegistryLocation(Server.Host, "xfer/mount-from");
            foreach (var blob in image.Blobs)
            {
                Assert.Equal(BlobPresence.Mounted, await second.PrepareBlobAsync(blob.Descriptor, from, Ct));
            }

            await second.PutManifestAsync(image.Manifest, isRoot: true, Ct);
        }

        var requests = Server.Logs.Requests().Skip(before).Where(r => r.Path.StartsWith("/v2/xfer/mount-to/", StringComparison.Ordinal)).ToList();
        Assert.DoesNotContain(requests, r => r.Method is "PATCH" || (r.Method == "PUT" && r.Path.Contains("/blobs/", StringComparison.Ordinal)));
        Assert.Equal(2, requests.Count(r => r is { Method: "POST", Status: 201 }));

        await using var source = await RegistryImageSource.OpenAsync(Reference($"{Server.Host}/xfer/mount-to:v1"), options, Ct);
        Assert.Equal(image.Layers[0].Bytes, await ReadAllAsync(await source.OpenBlobAsync(image.Layers[0].Descriptor, 0, Ct)));
    }

    [Fact]
    public async Task PrepareBlob_MountSourceLacksTheBlob_IsMissingAndTheUploadTheRegistryOpenedIsCancelled()
    {
        var options = Options(_work, Server.Host, await Server.IssuePasswordAsync(Ct));
        var blob = MemoryBlob.Random(1000);
        await using var destination = await RegistryImageDestination.OpenAsync(Reference($"{Server.Host}/xfer/mount-miss:v1"), options, Ct);
        var before = Server.Logs.Requests().Count;

        Assert.Equal(BlobPresence.Missing, await destination.PrepareBlobAsync(blob.Descriptor, new RegistryLocation(Server.Host, "xfer/roundtrip"), Ct));

        var requests = Server.Logs.Requests().Skip(before).Where(r => r.Path.StartsWith("/v2/xfer/mount-miss/", StringComparison.Ordinal)).ToList();
        Assert.Contains(requests, r => r is { Method: "POST", Status: 202 });
        Assert.Contains(requests, r => r is { Method: "DELETE", Status: 204 });
    }

    [Fact]
    public async Task PrepareBlob_SourceOnAnotherRegistry_DoesNotTryToMount()
    {
        var options = Options(_work, Server.Host, await Server.IssuePasswordAsync(Ct));
        var blob = MemoryBlob.Random(1000);
        await using var destination = await RegistryImageDestination.OpenAsync(Reference($"{Server.Host}/xfer/mount-other:v1"), options, Ct);
        var before = Server.Logs.Requests().Count;

        Assert.Equal(BlobPresence.Missing, await destination.PrepareBlobAsync(blob.Descriptor, new RegistryLocation("registry.example.com", "xfer/roundtrip"), Ct));
        Assert.Equal(["HEAD"], Server.Logs.Requests().Skip(before).Where(r => r.Path.StartsWith("/v2/xfer/mount-other/", StringComparison.Ordinal)).Select(r => r.Method));
    }

    [Fact]
    public async Task PutBlob_SmallChunkSize_SendsSeveralPatchesAndReportsProgressWithinEachOne()
    {
        var options = Options(_work, Server.Host, await Server.IssuePasswordAsync(Ct)) with { ChunkSize = 200 * 1024 };
        var blob = MemoryBlob.Random(500 * 1024);
        var positions = new List<long>();
        await using (var destination = await RegistryImageDestination.OpenAsync(Reference($"{Server.Host}/xfer/chunked:v1"), options, Ct))
        {
            var before = Server.Logs.Requests().Count;
            await destination.PutBlobAsync(blob.Descriptor, blob.Opener(), p => positions.Add(p), Ct);

            var requests = Server.Logs.Requests().Skip(before).Where(r => r.Path.StartsWith("/v2/xfer/chunked/", StringComparison.Ordinal)).ToList();
            Assert.Equal(["POST", "PATCH", "PATCH", "PATCH", "PUT"], requests.Select(r => r.Method));
            Assert.All(requests, r => Assert.True(r.Status is 201 or 202, r.ToString()));
        }

        Assert.Equal(blob.Bytes.LongLength, positions[^1]);
        Assert.Equal(positions.Order(), positions);
        Assert.Contains(positions, p => p % options.ChunkSize != 0 && p != blob.Bytes.LongLength);

        await using var source = await RegistryImageSource.OpenAsync(Reference($"{Server.Host}/xfer/chunked:v1"), options, Ct);
        Assert.Equal(blob.Bytes, await ReadAllAsync(await source.OpenBlobAsync(blob.Descriptor, 0, Ct)));
    }

    [Fact]
    public async Task PutBlob_PatchCutMidBody_ResumesFromTheServersOffset()
    {
        var options = Options(_work, Server.Host, await Server.IssuePasswordAsync(Ct)) with { ChunkSize = 256 * 1024 };
        var blob = MemoryBlob.Random(1024 * 1024);
        var faults = new CutPatchHandler(patchNumber: 2, cutAfter: 100 * 1024);
        var opened = new List<long>();
        var positions = new List<long>();
        await using (var destination = await RegistryImageDestination.OpenAsync(
            Reference($"{Server.Host}/xfer/resume:v1"), options, inner => { faults.InnerHandler = inner; return faults; }, Ct))
        {
            var before = Server.Logs.Requests().Count;
            await destination.PutBlobAsync(blob.Descriptor, blob.Opener(opened), p => positions.Add(p), Ct);
            var requests = Server.Logs.Requests().Skip(before).Where(r => r.Path.StartsWith("/v2/xfer/resume/", StringComparison.Ordinal)).ToList();

            // After the cut the client asked where the upload stood and went on from there.
            Assert.Contains(requests, r => r is { Method: "GET", Status: 204 } && r.Path.Contains("/blobs/uploads/", StringComparison.Ordinal));
            Assert.Equal(1, requests.Count(r => r.Method == "POST"));
        }

        Assert.True(faults.Cut, "the fault never fired");

        // The source was reopened at what the server had: the first chunk plus some of the cut one, not a chunk boundary.
        Assert.True(opened.Count >= 2, string.Join(", ", opened));
        Assert.Equal(0, opened[0]);
        Assert.All(opened.Skip(1), offset => Assert.InRange(offset, options.ChunkSize, options.ChunkSize + (100 * 1024)));
        Assert.Contains(opened[1], positions);
        Assert.Equal(blob.Bytes.LongLength, positions[^1]);

        await using var source = await RegistryImageSource.OpenAsync(Reference($"{Server.Host}/xfer/resume:v1"), options, Ct);
        Assert.Equal(blob.Bytes, await ReadAllAsync(await source.OpenBlobAsync(blob.Descriptor, 0, Ct)));
    }

    [Fact]
    public async Task PutBlob_UploadSessionGone_StartsANewUploadFromByteZero()
    {
        var options = Options(_work, Server.Host, await Server.IssuePasswordAsync(Ct)) with { ChunkSize = 64 * 1024 };
        var blob = MemoryBlob.Random(200 * 1024);
        var faults = new CancelUploadBeforePatchHandler(patchNumber: 2);
        var opened = new List<long>();
        var positions = new List<long>();
        await using (var destination = await RegistryImageDestination.OpenAsync(
            Reference($"{Server.Host}/xfer/gone:v1"), options, inner => { faults.InnerHandler = inner; return faults; }, Ct))
        {
            var before = Server.Logs.Requests().Count;
            await destination.PutBlobAsync(blob.Descriptor, blob.Opener(opened), p => positions.Add(p), Ct);
            var requests = Server.Logs.Requests().Skip(before).Where(r => r.Path.StartsWith("/v2/xfer/gone/", StringComparison.Ordinal)).ToList();
            Assert.Contains(requests, r => r is { Method: "PATCH", Status: 404 });
            Assert.Equal(2, requests.Count(r => r is { Method: "POST", Status: 202 }));
        }

        Assert.Equal([0, 0], opened);
        Assert.Contains(0, positions.Skip(1));
        Assert.Equal(blob.Bytes.LongLength, positions[^1]);

        await using var source = await RegistryImageSource.OpenAsync(Reference($"{Server.Host}/xfer/gone:v1"), options, Ct);
        Assert.Equal(blob.Bytes, await ReadAllAsync(await source.OpenBlobAsync(blob.Descriptor, 0, Ct)));
    }

    [Fact]
    public async Task BearerChallenge_TokenFetchedWithBasicCredentialsAndRepositoryScope_ThenUsed()
    {
        var options = Options(_work, FakeBearerRegistry.Host, "secret-password");
        var registry = new FakeBearerRegistry();
        var manifest = MemoryImage.Create(10).Manifest;
        await using (var destination = await RegistryImageDestination.OpenAsync(
            Reference($"{FakeBearerRegistry.Host}/team/app:v1"), options, inner => { inner.Dispose(); return registry; }, Ct))
        {
            await destination.PutManifestAsync(manifest, isRoot: true, Ct);
        }

        Assert.Equal(["service=fake.test&scope=repository%3Ateam%2Fapp%3Apull%2Cpush"], registry.TokenQueries);
        Assert.Equal(manifest.Bytes, registry.Manifest);

        await using var source = await RegistryImageSource.OpenAsync(
            Reference($"{FakeBearerRegistry.Host}/team/app:v1"), options, inner => { inner.Dispose(); return registry; }, Ct);
        Assert.Equal(manifest.Bytes, (await source.GetManifestAsync(null, Ct)).Bytes);
        Assert.Equal("service=fake.test&scope=repository%3Ateam%2Fapp%3Apull", registry.TokenQueries[^1]);
    }

    [Fact]
    public async Task OpenBlob_RedirectToStorage_IsFollowedWithTheRangeAndWithoutTheRegistrysCredentials()
    {
        var options = Options(_work, RedirectingRegistry.Host, "secret-password");
        var blob = MemoryBlob.Random(5000);
        var registry = new RedirectingRegistry(blob.Bytes);
        await using var source = await RegistryImageSource.OpenAsync(
            Reference($"{RedirectingRegistry.Host}/team/app:v1"), options, inner => { inner.Dispose(); return registry; }, Ct);

        Assert.Equal(blob.Bytes[1000..], await ReadAllAsync(await source.OpenBlobAsync(blob.Descriptor, 1000, Ct)));

        Assert.Equal(["registry Basic bytes=1000-", "storage - bytes=1000-"], registry.Seen);
    }

    [Fact]
    public async Task PutBlob_WrongDigest_FailsWithTheOciCodeAndMessage()
    {
        var options = Options(_work, Server.Host, await Server.IssuePasswordAsync(Ct));
        var blob = MemoryBlob.Random(1000);
        var lie = blob.Descriptor with { Digest = Digest.Sha256(new byte[] { 1, 2, 3 }).ToString() };
        await using var destination = await RegistryImageDestination.OpenAsync(Reference($"{Server.Host}/xfer/baddigest:v1"), options, Ct);

        var e = await Assert.ThrowsAsync<TransferException>(() => destination.PutBlobAsync(lie, blob.Opener(), _ => { }, Ct));

        Assert.StartsWith($"uploading blob {lie.Digest} to {Server.Host}/xfer/baddigest: DIGEST_INVALID: ", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public async Task GetManifest_UnknownTag_FailsWithTheRegistrysOwnMessage()
    {
        var options = Options(_work, Server.Host, await Server.IssuePasswordAsync(Ct));
        await using (var destination = await RegistryImageDestination.OpenAsync(Reference($"{Server.Host}/xfer/known:v1"), options, Ct))
        {
            await PushAsync(destination, MemoryImage.Create(10));
        }

        await using var source = await RegistryImageSource.OpenAsync(Reference($"{Server.Host}/xfer/known:nope"), options, Ct);
        var e = await Assert.ThrowsAsync<TransferException>(() => source.GetManifestAsync(null, Ct));
        Assert.StartsWith($"reading manifest nope of {Server.Host}/xfer/known: MANIFEST_UNKNOWN: ", e.Message, StringComparison.Ordinal);

        await using var missingRepo = await RegistryImageSource.OpenAsync(Reference($"{Server.Host}/xfer/never-pushed:v1"), options, Ct);
        var name = await Assert.ThrowsAsync<TransferException>(() => missingRepo.GetManifestAsync(null, Ct));
        Assert.StartsWith($"reading manifest v1 of {Server.Host}/xfer/never-pushed: NAME_UNKNOWN: ", name.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Open_ExpiredEcrToken_FailsBeforeAnyRequestWithRefreshAdvice()
    {
        var password = await Server.IssuePasswordAsync(Ct);
        var expiresAt = TokenEnvelope.TryParse(password)!.ExpiresAt;
        var options = Options(_work, Server.Host, password) with { Time = new FakeTimeProvider(expiresAt.AddMinutes(1)) };
        var before = Server.Logs.Requests().Count;

        var push = await Assert.ThrowsAsync<TransferException>(() => RegistryImageDestination.OpenAsync(Reference($"{Server.Host}/xfer/expired:v1"), options, Ct));
        var pull = await Assert.ThrowsAsync<TransferException>(() => RegistryImageSource.OpenAsync(Reference($"{Server.Host}/xfer/expired:v1"), options, Ct));

        var at = expiresAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
        var advice = $"the login for {Server.Host} expired at {at}; run 'berth auth refresh {Server.Host}' or 'berth login {Server.Host}'";
        Assert.Equal(advice, push.Message);
        Assert.Equal(advice, pull.Message);
        Assert.Equal(before, Server.Logs.Requests().Count);
    }

    [Fact]
    public async Task Registry403TokenExpired_IsTheSameRefreshAdvice()
    {
        await using var server = await BerthTestServer.StartAsync(o => o with { Registry = o.Registry with { CreateOnPush = true } }, cancellationToken: Ct);
        var password = await server.IssuePasswordAsync(Ct);
        server.Time.Advance(TimeSpan.FromHours(13));

        // The client's clock says the token is fresh; only the registry knows better.
        var options = Options(_work, server.Host, password);
        await using var destination = await RegistryImageDestination.OpenAsync(Reference($"{server.Host}/xfer/late:v1"), options, Ct);
        var e = await Assert.ThrowsAsync<TransferException>(() => destination.PrepareBlobAsync(MemoryBlob.Random(10).Descriptor, null, Ct));

        var at = TokenEnvelope.TryParse(password)!.ExpiresAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal($"the login for {server.Host} expired at {at}; run 'berth auth refresh {server.Host}' or 'berth login {server.Host}'", e.Message);
    }

    [Fact]
    public async Task Open_UnreachableRegistry_NamesTheAddress()
    {
        var options = Options(_work, "127.0.0.1:1", null);

        var e = await Assert.ThrowsAsync<TransferException>(() => RegistryImageSource.OpenAsync(Reference("127.0.0.1:1/team/app:v1"), options, Ct));

        Assert.Equal("cannot reach registry 127.0.0.1:1 (http://127.0.0.1:1/v2/): Connection refused", e.Message);
    }

    [Fact]
    public async Task Open_TlsVerifyOnAgainstPlainHttp_SaysSoAndNeverFallsBack()
    {
        var options = Options(_work, Server.Host, null) with { TlsVerify = true };

        var e = await Assert.ThrowsAsync<TransferException>(() => RegistryImageSource.OpenAsync(Reference($"{Server.Host}/team/app:v1"), options, Ct));

        Assert.StartsWith($"cannot reach registry {Server.Host} (https://{Server.Host}/v2/): http: server gave HTTP response to HTTPS client", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RealTls_SelfSignedCertificate_TlsVerifyOff_StaysOnHttps()
    {
        await using var tls = new TlsTerminator(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, Server.BaseAddress.Port));
        var options = Options(_work, tls.Host, await Server.IssuePasswordAsync(Ct)) with { ChunkSize = 4096 };
        var image = MemoryImage.Create(10_000);

        // The terminator only speaks TLS: had the transport fallen back to http, every request would fail.
        await using (var destination = await RegistryImageDestination.OpenAsync(Reference($"{tls.Host}/xfer/tls:v1"), options, Ct))
        {
            await PushAsync(destination, image);
        }

        await using var source = await RegistryImageSource.OpenAsync(Reference($"{tls.Host}/xfer/tls:v1"), options, Ct);
        Assert.Equal(image.Manifest.Bytes, (await source.GetManifestAsync(null, Ct)).Bytes);
        Assert.Equal(image.Layers[0].Bytes, await ReadAllAsync(await source.OpenBlobAsync(image.Layers[0].Descriptor, 0, Ct)));
    }

    [Fact]
    public async Task RealTls_SelfSignedCertificate_TlsVerifyOn_FailsOnHttpsWithoutFallingBack()
    {
        await using var tls = new TlsTerminator(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, Server.BaseAddress.Port));
        var options = Options(_work, tls.Host, await Server.IssuePasswordAsync(Ct)) with { TlsVerify = true };

        var e = await Assert.ThrowsAsync<TransferException>(() => RegistryImageSource.OpenAsync(Reference($"{tls.Host}/xfer/tls:v1"), options, Ct));

        Assert.StartsWith($"cannot reach registry {tls.Host} (https://{tls.Host}/v2/): ", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("http://", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public async Task NoCredentials_401_SaysToLogIn()
    {
        var options = Options(_work, Server.Host, null);
        await using var destination = await RegistryImageDestination.OpenAsync(Reference($"{Server.Host}/xfer/anon:v1"), options, Ct);

        var e = await Assert.ThrowsAsync<TransferException>(() => destination.PrepareBlobAsync(MemoryBlob.Random(10).Descriptor, null, Ct));

        Assert.StartsWith($"authentication required for {Server.Host}: run 'berth login {Server.Host}'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CredHelpersEntry_RunsTheHelperFromPathWithTheHostOnStdin()
    {
        var password = await Server.IssuePasswordAsync(Ct);
        var bin = Directory.CreateDirectory(_work.Combine("bin")).FullName;
        var asked = _work.Combine("asked");
        WriteScript(Path.Combine(bin, "docker-credential-test"), $$"""
            #!/bin/sh
            [ "$1" = get ] || exit 3
            cat > '{{asked}}'
            printf '{"ServerURL":"%s","Username":"AWS","Secret":"%s"}' "$(cat '{{asked}}')" '{{password}}'
            """);
        var options = OptionsWithAuthJson(_work, HelperAuthJson(Server.Host, "test"), bin);

        await using (var destination = await RegistryImageDestination.OpenAsync(Reference($"{Server.Host}/xfer/helper:v1"), options, Ct))
        {
            await PushAsync(destination, MemoryImage.Create(100));
        }

        Assert.Equal(Server.Host, await File.ReadAllTextAsync(asked, Ct));
    }

    [Fact]
    public async Task CredentialHelper_SeesTheTransfersEnvironment_NotTheProcesses()
    {
        var password = await Server.IssuePasswordAsync(Ct);
        var bin = Directory.CreateDirectory(_work.Combine("bin")).FullName;
        var home = Directory.CreateDirectory(_work.Combine("home")).FullName;
        await File.WriteAllTextAsync(Path.Combine(home, "secret"), password, Ct);
        WriteScript(Path.Combine(bin, "docker-credential-envtest"), """
            #!/bin/sh
            cat > /dev/null
            [ -n "$AWS_ACCESS_KEY_ID" ] && exit 4
            printf '{"Username":"AWS","Secret":"%s"}' "$(cat "$HOME/secret")"
            """);
        var options = OptionsWithAuthJson(_work, HelperAuthJson(Server.Host, "envtest"), bin);
        var real = options.Environment;
        options = options with { Environment = name => name == "HOME" ? home : real(name) };

        await using var destination = await RegistryImageDestination.OpenAsync(Reference($"{Server.Host}/xfer/envhelper:v1"), options, Ct);
        await PushAsync(destination, MemoryImage.Create(100));

        Assert.Contains(Server.Logs.Requests(), r => r.Method == "PUT" && r.Path == "/v2/xfer/envhelper/manifests/v1" && r.Status == 201);
    }

    [Fact]
    public async Task CredentialHelper_NotFound_IsAnonymous_Failure_NamesHelperAndStderr()
    {
        var bin = Directory.CreateDirectory(_work.Combine("bin2")).FullName;
        WriteScript(Path.Combine(bin, "docker-credential-none"), """
            #!/bin/sh
            cat > /dev/null
            echo "credentials not found in native keychain"
            exit 1
            """);
        WriteScript(Path.Combine(bin, "docker-credential-broken"), """
            #!/bin/sh
            cat > /dev/null
            echo "keychain is locked" >&2
            echo "second line" >&2
            exit 2
            """);

        var anonymous = OptionsWithAuthJson(_work, HelperAuthJson(Server.Host, "none"), bin);
        Assert.Null(await RegistryCredentials.ResolveAsync(Server.Host, "xfer/x", anonymous, Ct));

        var broken = OptionsWithAuthJson(_work, HelperAuthJson(Server.Host, "broken"), bin);
        var e = await Assert.ThrowsAsync<TransferException>(() => RegistryImageSource.OpenAsync(Reference($"{Server.Host}/xfer/x:v1"), broken, Ct));
        Assert.Equal($"credential helper docker-credential-broken failed for {Server.Host} (exit 2): keychain is locked", e.Message);

        var missing = OptionsWithAuthJson(_work, HelperAuthJson(Server.Host, "absent"), bin);
        var m = await Assert.ThrowsAsync<TransferException>(() => RegistryImageSource.OpenAsync(Reference($"{Server.Host}/xfer/x:v1"), missing, Ct));
        Assert.Contains("docker-credential-absent", m.Message, StringComparison.Ordinal);
    }

    public void Dispose() => _work.Dispose();

    private static string HelperAuthJson(string host, string helper) =>
        new JsonObject { ["auths"] = new JsonObject(), ["credHelpers"] = new JsonObject { [host] = helper } }.ToJsonString();

    private static void WriteScript(string path, string text)
    {
        File.WriteAllText(path, text.ReplaceLineEndings("\n") + "\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    /// <summary>Cuts the <c>patchNumber</c>-th PATCH after <c>cutAfter</c> body bytes went out, as a dropped connection
    /// would: the server keeps what arrived, the client sees a failed request.</summary>
    private sealed class CutPatchHandler(int patchNumber, long cutAfter) : DelegatingHandler
    {
        private int _patches;

        public bool Cut { get; private set; }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.Method != HttpMethod.Patch || Interlocked.Increment(ref _patches) != patchNumber)
            {
                return await base.SendAsync(request, cancellationToken);
            }

            var original = request.Content!;
            var body = await original.ReadAsStreamAsync(cancellationToken);
            var cut = new StreamContent(new CuttingStream(body, cutAfter, () => Cut = true));
            foreach (var header in original.Headers)
            {
                cut.Headers.TryAddWithoutValidation(header.Key, header.Value);
            }

            request.Content = cut;
            return await base.SendAsync(request, cancellationToken);
        }
    }

    /// <summary>Cancels the upload on the server (DELETE, as an expiring session would vanish) just before the
    /// <c>patchNumber</c>-th PATCH goes out.</summary>
    private sealed class CancelUploadBeforePatchHandler(int patchNumber) : DelegatingHandler
    {
        private int _patches;

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.Method == HttpMethod.Patch && Interlocked.Increment(ref _patches) == patchNumber)
            {
                using var delete = new HttpRequestMessage(HttpMethod.Delete, request.RequestUri);
                delete.Headers.Authorization = request.Headers.Authorization;
                using var deleted = await base.SendAsync(delete, cancellationToken);
                Assert.Equal(System.Net.HttpStatusCode.NoContent, deleted.StatusCode);
            }

            return await base.SendAsync(request, cancellationToken);
        }
    }

    /// <summary>A registry that wants Bearer tokens from a token service (distribution's scheme), in memory.</summary>
    private sealed class FakeBearerRegistry : HttpMessageHandler
    {
        public const string Host = "fake.test:5000";
        private const string Token = "fake-token-1";

        public List<string> TokenQueries { get; } = [];

        public byte[]? Manifest { get; private set; }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var url = request.RequestUri!;
            if (url.Host == "auth.fake.test")
            {
                TokenQueries.Add(url.Query.TrimStart('?'));
                var basic = request.Headers.Authorization is { Scheme: "Basic" } auth ? BasicCredentials.TryDecode(auth.Parameter) : null;
                return basic == new BasicCredentials("AWS", "secret-password")
                    ? new HttpResponseMessage(System.Net.HttpStatusCode.OK) { Content = new StringContent($$"""{"token":"{{Token}}","expires_in":300}""") }
                    : new HttpResponseMessage(System.Net.HttpStatusCode.Unauthorized);
            }

            if (request.Headers.Authorization is not { Scheme: "Bearer", Parameter: Token })
            {
                var challenge = new HttpResponseMessage(System.Net.HttpStatusCode.Unauthorized) { Content = new StringContent("""{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}""") };
                challenge.Headers.WwwAuthenticate.ParseAdd("Bearer realm=\"https://auth.fake.test/token\",service=\"fake.test\"");
                return challenge;
            }

            switch (request.Method.Method, url.AbsolutePath)
            {
                case ("GET", "/v2/"):
                    return new HttpResponseMessage(System.Net.HttpStatusCode.OK);
                case ("PUT", "/v2/team/app/manifests/v1"):
                    Manifest = await request.Content!.ReadAsByteArrayAsync(cancellationToken);
                    return new HttpResponseMessage(System.Net.HttpStatusCode.Created);
                case ("GET", "/v2/team/app/manifests/v1") when Manifest is not null:
                    var content = new ByteArrayContent(Manifest);
                    content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(MediaTypes.OciManifest);
                    return new HttpResponseMessage(System.Net.HttpStatusCode.OK) { Content = content };
                default:
                    return new HttpResponseMessage(System.Net.HttpStatusCode.NotFound);
            }
        }
    }

    /// <summary>A registry that redirects blob GETs to storage on another host, as ECR sends them to S3.</summary>
    private sealed class RedirectingRegistry(byte[] blob) : HttpMessageHandler
    {
        public const string Host = "registry.fake.test";

        public List<string> Seen { get; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var url = request.RequestUri!;
            if (url.AbsolutePath == "/v2/")
            {
                return Task.FromResult(new HttpResponseMessage(System.Net.HttpStatusCode.OK));
            }

            Seen.Add($"{(url.Host == Host ? "registry" : "storage")} {request.Headers.Authorization?.Scheme ?? "-"} {request.Headers.Range}");
            if (url.Host == Host)
            {
                var redirect = new HttpResponseMessage(System.Net.HttpStatusCode.TemporaryRedirect);
                redirect.Headers.Location = new Uri("https://storage.fake.test/blob?signature=abc");
                return Task.FromResult(redirect);
            }

            var from = (int)request.Headers.Range!.Ranges.Single().From!.Value;
            return Task.FromResult(new HttpResponseMessage(System.Net.HttpStatusCode.PartialContent) { Content = new ByteArrayContent(blob[from..]) });
        }
    }

    private sealed class CuttingStream(Stream inner, long limit, Action cut) : Stream
    {
        private long _read;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_read >= limit)
            {
                // Give the server a moment to write what it got, then drop the connection mid-body.
                await Task.Delay(200, cancellationToken);
                cut();
                throw new IOException("connection reset (test fault)");
            }

            var got = await inner.ReadAsync(buffer[..(int)Math.Min(buffer.Length, limit - _read)], cancellationToken);
            _read += got;
            return got;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
