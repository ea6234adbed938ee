using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Berth.Testing;

namespace Berth.Cli.Tests;

/// <summary>
/// Blob uploads against a real <c>berth serve</c> process that is killed with SIGKILL in the middle of a PATCH, or stopped
/// gracefully between two chunks, and started again on the same data directory (on a new port).
/// </summary>
/// <remarks>Blob bodies come from <see cref="PseudoRandomStream"/>: generated, hashed and compared while streaming.</remarks>
public sealed class UploadCrashRecoveryTests : IDisposable
{
    private const long Mib = 1024 * 1024;
    private const long BigBlob = 64 * Mib;
    private const string Repository = "crash/app";

    private readonly TempDirectory _work = TempDirectory.Create("berth-crash-");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string BerthDll => Path.Combine(AppContext.BaseDirectory, "berth.dll");

    private string DataDirectory => _work.Combine("data");

    [Fact]
    public async Task BlobUpload_ServerKilledMidPatch_LeavesNoReadableBlobAndTheSamePushSucceedsAfterRestart()
    {
        const int Seed = 64;
        string uploadLocation;
        long received;
        await using (var first = await StartServeAsync())
        {
            using var http = await ClientAsync(first);
            uploadLocation = await StartUploadAsync(http);
            received = await KillDuringPatchAsync(first, http, uploadLocation, Seed);
        }

        await using var second = await StartServeAsync();
        using var client = await ClientAsync(second);
        var digest = await PseudoRandomStream.DigestOfAsync(Seed, BigBlob, Ct);
        var prefixDigest = await PseudoRandomStream.DigestOfAsync(Seed, received, Ct);

        // Nothing of the interrupted upload is a blob: neither the whole content nor the part that arrived.
        using (var head = await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, BlobPath(digest)), Ct))
        {
            Assert.Equal(HttpStatusCode.NotFound, head.StatusCode);
        }

        using (var headPrefix = await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, BlobPath(prefixDigest)), Ct))
        {
            Assert.Equal(HttpStatusCode.NotFound, headPrefix.StatusCode);
        }

        using (var get = await client.GetAsync(BlobPath(digest), Ct))
        {
            Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
            Assert.Equal("BLOB_UNKNOWN", await ErrorCodeAsync(get));
        }

        using (var tags = await client.GetAsync($"/v2/{Repository}/tags/list", Ct))
        {
            Assert.Equal(HttpStatusCode.OK, tags.StatusCode);
            using var json = JsonDocument.Parse(await tags.Content.ReadAsStringAsync(Ct));
            Assert.Empty(json.RootElement.GetProperty("tags").EnumerateArray());
        }

        // The file store publishes blobs under storage/blobs only after the digest was verified (FileSystemBlobStore).
        var published = Path.Combine(DataDirectory, "storage", "blobs");
        Assert.Empty(Directory.Exists(published) ? Directory.EnumerateFiles(published, "*", SearchOption.AllDirectories) : []);

        // The same push again, from the start, now goes through and reads back byte for byte.
        var pushed = await PushAsync(client, Seed, BigBlob);
        Assert.Equal(digest, pushed);
        await AssertBlobAsync(client, digest, Seed, BigBlob);
    }

    [Fact]
    public async Task BlobUpload_ServerKilledMidPatch_ResumesFromTheRangeTheRestartedServerReports()
    {
        const int Seed = 65;
        string uploadLocation;
        long received;
        await using (var first = await StartServeAsync())
        {
            using var http = await ClientAsync(first);
            uploadLocation = await StartUploadAsync(http);
            received = await KillDuringPatchAsync(first, http, uploadLocation, Seed);
        }

        await using var second = await StartServeAsync();
        using var client = await ClientAsync(second);

        var (status, range) = await StatusAsync(client, uploadLocation);
        Assert.Equal(HttpStatusCode.NoContent, status);
        var persisted = range + 1;
        Assert.InRange(persisted, received, BigBlob - 1);

        await PatchAsync(client, uploadLocation, Seed, persisted, BigBlob - persisted, HttpStatusCode.Accepted);
        var digest = await PseudoRandomStream.DigestOfAsync(Seed, BigBlob, Ct);
        using (var put = await client.PutAsync(CompleteUri(uploadLocation, digest), null, Ct))
        {
            Assert.True(put.StatusCode == HttpStatusCode.Created, await DescribeAsync(put));
            Assert.Equal(digest, put.Headers.GetValues("Docker-Content-Digest").Single());
        }

        await AssertBlobAsync(client, digest, Seed, BigBlob);
    }

    [Fact]
    public async Task BlobUpload_GracefulRestartBetweenChunks_ResumesTheSameUploadFromTheReportedRange()
    {
        const int Seed = 7;
        const long Total = (12 * Mib) + 4321;
        const long FirstChunk = (5 * Mib) + 123;
        string uploadLocation;
        await using (var first = await StartServeAsync())
        {
            using var http = await ClientAsync(first);
            uploadLocation = await StartUploadAsync(http);
            var afterFirst = await PatchAsync(http, uploadLocation, Seed, 0, FirstChunk, HttpStatusCode.Accepted);
            Assert.Equal(FirstChunk - 1, afterFirst);
            await first.StopAsync(Ct);
            Assert.Equal(0, first.ExitCode);
        }

        await using var second = await StartServeAsync();
        using var client = await ClientAsync(second);
        var digest = await PseudoRandomStream.DigestOfAsync(Seed, Total, Ct);

        var (status, range) = await StatusAsync(client, uploadLocation);
        Assert.Equal(HttpStatusCode.NoContent, status);
        Assert.Equal(FirstChunk - 1, range);
        using (var head = await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, BlobPath(digest)), Ct))
        {
            Assert.Equal(HttpStatusCode.NotFound, head.StatusCode);
        }

        var afterSecond = await PatchAsync(client, uploadLocation, Seed, FirstChunk, Total - FirstChunk, HttpStatusCode.Accepted);
        Assert.Equal(Total - 1, afterSecond);
        using (var put = await client.PutAsync(CompleteUri(uploadLocation, digest), null, Ct))
        {
            Assert.True(put.StatusCode == HttpStatusCode.Created, await DescribeAsync(put));
            Assert.Equal(digest, put.Headers.GetValues("Docker-Content-Digest").Single());
            Assert.Equal(BlobPath(digest), put.Headers.Location?.OriginalString);
        }

        await AssertBlobAsync(client, digest, Seed, Total);
        using var gone = await client.GetAsync(uploadLocation, Ct);
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        Assert.Equal("BLOB_UPLOAD_UNKNOWN", await ErrorCodeAsync(gone));
    }

    [Fact]
    public async Task BlobUpload_SigtermWhilePatchInFlight_FinishesThatChunkBeforeExitingAndTheUploadCompletesAfterRestart()
    {
        const int Seed = 15;
        const long Total = 24 * Mib;
        string uploadLocation;
        await using (var first = await StartServeAsync())
        {
            using var http = await ClientAsync(first);
            uploadLocation = await StartUploadAsync(http);
            var resume = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            await using var body = new PseudoRandomStream(Seed, Total);
            body.PauseAt(8 * Mib, resume.Task);
            using var request = new HttpRequestMessage(HttpMethod.Patch, uploadLocation) { Content = new StreamContent(body, 256 * 1024) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            var patch = http.SendAsync(request, Ct);
            await Task.WhenAny(body.PauseReached, patch).WaitAsync(TimeSpan.FromMinutes(2), Ct);
            Assert.False(patch.IsCompleted, "the PATCH ended before the pause");

            // SIGTERM, and only once the host reports that it is stopping does the rest of the body go out.
            await first.SendSignalAsync("TERM", Ct);
            await first.WaitForOutputAsync("Application is shutting down", Ct);
            resume.SetResult();
            using var response = await patch;

            // No second signal: one arriving after the host has let go of SIGTERM would kill it (exit 143).
            await first.WaitForExitAsync(Ct);

            Assert.True(response.StatusCode == HttpStatusCode.Accepted, await DescribeAsync(response));
            Assert.Equal(Total - 1, ParseRangeEnd(response));
            Assert.Equal(0, first.ExitCode);
        }

        await using var second = await StartServeAsync();
        using var client = await ClientAsync(second);
        var (status, range) = await StatusAsync(client, uploadLocation);
        Assert.Equal(HttpStatusCode.NoContent, status);
        Assert.Equal(Total - 1, range);
        var digest = await PseudoRandomStream.DigestOfAsync(Seed, Total, Ct);
        using (var put = await client.PutAsync(CompleteUri(uploadLocation, digest), null, Ct))
        {
            Assert.True(put.StatusCode == HttpStatusCode.Created, await DescribeAsync(put));
        }

        await AssertBlobAsync(client, digest, Seed, Total);
    }

    public void Dispose() => _work.Dispose();

    private Task<BerthServeProcess> StartServeAsync() =>
        BerthServeProcess.StartAsync(BerthDll, DataDirectory, ["--create-on-push"], Ct);

    private static async Task<HttpClient> ClientAsync(BerthServeProcess serve)
    {
        var password = await serve.GetLoginPasswordAsync(BerthDll, Ct);
        var http = new HttpClient { BaseAddress = serve.BaseAddress, Timeout = TimeSpan.FromMinutes(5) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("AWS:" + password)));
        return http;
    }

    private static async Task<string> StartUploadAsync(HttpClient http)
    {
        using var post = await http.PostAsync($"/v2/{Repository}/blobs/uploads/", null, Ct);
        Assert.True(post.StatusCode == HttpStatusCode.Accepted, await DescribeAsync(post));
        return post.Headers.Location?.OriginalString ?? throw new InvalidOperationException("no Location");
    }

    /// <summary>
    /// Streams a <see cref="BigBlob"/> PATCH (chunked, like podman sends layers) that pauses after 16 MiB; once the server
    /// reports at least 1 MiB received, SIGKILLs it. Returns how many bytes the server had taken by then.
    /// </summary>
    private static async Task<long> KillDuringPatchAsync(BerthServeProcess serve, HttpClient http, string location, int seed)
    {
        var resume = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var body = new PseudoRandomStream(seed, BigBlob);
        body.PauseAt(16 * Mib, resume.Task);
        using var request = new HttpRequestMessage(HttpMethod.Patch, location) { Content = new StreamContent(body, 256 * 1024) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        var patch = http.SendAsync(request, Ct);

        await Task.WhenAny(body.PauseReached, patch).WaitAsync(TimeSpan.FromMinutes(2), Ct);
        Assert.False(patch.IsCompleted, patch.IsCompletedSuccessfully ? $"the PATCH ended early: {patch.Result.StatusCode}" : $"the PATCH failed early: {patch.Exception}");

        long received = 0;
        using (var limit = CancellationTokenSource.CreateLinkedTokenSource(Ct))
        {
            limit.CancelAfter(TimeSpan.FromMinutes(2));
            while (received < Mib)
            {
                await Task.Delay(50, limit.Token);
                var (status, range) = await StatusAsync(http, location);
                Assert.Equal(HttpStatusCode.NoContent, status);
                received = range + 1;
            }
        }

        await serve.KillHardAsync(Ct);
        resume.SetResult();

        var failure = await Record.ExceptionAsync(() => patch);
        Assert.True(failure is not null, "the PATCH got an answer from a killed server");
        Assert.Equal(128 + 9, serve.ExitCode);
        Assert.True(body.Produced < BigBlob, "the whole body went out before the kill");
        return received;
    }

    /// <summary>GET on the upload URL: the status and the last byte of its <c>Range: 0-N</c> (<c>0-0</c>, an empty upload, also gives 0).</summary>
    private static async Task<(HttpStatusCode Status, long RangeEnd)> StatusAsync(HttpClient http, string location)
    {
        using var response = await http.GetAsync(location, Ct);
        if (response.StatusCode != HttpStatusCode.NoContent)
        {
            return (response.StatusCode, -1);
        }

        Assert.Equal(location.Split('/')[^1], response.Headers.GetValues("Docker-Upload-UUID").Single());
        return (response.StatusCode, ParseRangeEnd(response));
    }

    /// <summary>PATCHes bytes <c>[offset, offset + length)</c> with Content-Range and Content-Length; returns the Range end.</summary>
    private static async Task<long> PatchAsync(HttpClient http, string location, int seed, long offset, long length, HttpStatusCode expected)
    {
        await using var body = new PseudoRandomStream(seed, length, offset);
        using var request = new HttpRequestMessage(HttpMethod.Patch, location) { Content = new StreamContent(body, 256 * 1024) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        request.Content.Headers.ContentLength = length;
        request.Content.Headers.TryAddWithoutValidation("Content-Range", string.Create(CultureInfo.InvariantCulture, $"{offset}-{offset + length - 1}"));
        using var response = await http.SendAsync(request, Ct);
        Assert.True(response.StatusCode == expected, await DescribeAsync(response));
        return ParseRangeEnd(response);
    }

    /// <summary>POST, one streamed (chunked) PATCH hashed while it is sent, PUT with that digest; returns the digest.</summary>
    private static async Task<string> PushAsync(HttpClient http, int seed, long length)
    {
        var location = await StartUploadAsync(http);
        await using var body = new PseudoRandomStream(seed, length);
        using (var request = new HttpRequestMessage(HttpMethod.Patch, location) { Content = new StreamContent(body, 256 * 1024) })
        {
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            using var patch = await http.SendAsync(request, Ct);
            Assert.True(patch.StatusCode == HttpStatusCode.Accepted, await DescribeAsync(patch));
            Assert.Equal(length - 1, ParseRangeEnd(patch));
        }

        var digest = body.Digest;
        using var put = await http.PutAsync(CompleteUri(location, digest), null, Ct);
        Assert.True(put.StatusCode == HttpStatusCode.Created, await DescribeAsync(put));
        Assert.Equal(digest, put.Headers.GetValues("Docker-Content-Digest").Single());
        return digest;
    }

    /// <summary>HEAD gives the length; GET streams exactly the sequence's bytes.</summary>
    private static async Task AssertBlobAsync(HttpClient http, string digest, int seed, long length)
    {
        using (var head = await http.SendAsync(new HttpRequestMessage(HttpMethod.Head, BlobPath(digest)), Ct))
        {
            Assert.Equal(HttpStatusCode.OK, head.StatusCode);
            Assert.Equal(length, head.Content.Headers.ContentLength);
        }

        using var get = await http.GetAsync(BlobPath(digest), HttpCompletionOption.ResponseHeadersRead, Ct);
        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        await using var content = await get.Content.ReadAsStreamAsync(Ct);
        Assert.Null(await PseudoRandomStream.CompareAsync(content, seed, length, cancellationToken: Ct));
    }

    private static string BlobPath(string digest) => $"/v2/{Repository}/blobs/{digest}";

    private static string CompleteUri(string patchLocation, string digest) =>
        patchLocation + (patchLocation.Contains('?', StringComparison.Ordinal) ? "&" : "?") + "digest=" + Uri.EscapeDataString(digest);

    private static long ParseRangeEnd(HttpResponseMessage response)
    {
        var range = response.Headers.GetValues("Range").Single();
        Assert.StartsWith("0-", range, StringComparison.Ordinal);
        return long.Parse(range.AsSpan(2), NumberStyles.None, CultureInfo.InvariantCulture);
    }

    private static async Task<string?> ErrorCodeAsync(HttpResponseMessage response)
    {
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        return json.RootElement.GetProperty("errors")[0].GetProperty("code").GetString();
    }

    private static async Task<string> DescribeAsync(HttpResponseMessage response) =>
        $"{(int)response.StatusCode} {response.StatusCode}: {await response.Content.ReadAsStringAsync(Ct)}";
}
