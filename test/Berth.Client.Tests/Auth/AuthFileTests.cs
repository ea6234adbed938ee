using System.Diagnostics;
using System.Text.Json.Nodes;
using Berth.Client.Auth;
using Berth.Protocol.Tokens;
using Berth.Testing;

namespace Berth.Client.Tests.Auth;

// File modes are a Unix matter; the suite runs on Linux.
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class AuthFileTests
{
    private static readonly BasicCredentials Creds = new("AWS", "pass+word/with=base64ish");

    [Fact]
    public void Update_NewFileInMissingDirectories_CreatesDirectory0700AndFile0600()
    {
        using var temp = TempDirectory.Create();
        var path = temp.Combine("a", "b", "auth.json");

        new AuthFile(path).Update(d =>
        {
            d.SetCredentials("h:1", Creds);
            return true;
        });

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(temp.Combine("a", "b")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(temp.Combine("a")));
    }

    [Fact]
    public void Update_ExistingFileWithLooseMode_IsRewrittenAs0600()
    {
        using var temp = TempDirectory.Create();
        var path = temp.Combine("auth.json");
        File.WriteAllText(path, """{"auths":{}}""");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        new AuthFile(path).Update(d =>
        {
            d.SetCredentials("h:1", Creds);
            return true;
        });

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
    }

    [Fact]
    public void Update_SetCredentials_PreservesUnknownMembersAndOtherEntries()
    {
        using var temp = TempDirectory.Create();
        var path = temp.Combine("config.json");
        File.WriteAllText(path, """
            {
              "auths": {
                "other.example": {"auth": "b3RoZXI6c2VjcmV0", "email": "me@example.com"},
                "h:1": {"auth": "b2xkOm9sZA==", "x-extra": {"nested": [1, 2]}}
              },
              "credsStore": "desktop",
              "HttpHeaders": {"User-Agent": "Docker-Client"},
              "credHelpers": {"ecr.example": "ecr-login"},
              "psFormat": "table {{.ID}}"
            }
            """);

        new AuthFile(path).Update(d =>
        {
            d.SetCredentials("h:1", Creds);
            return true;
        });

        var root = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        Assert.Equal("desktop", (string?)root["credsStore"]);
        Assert.Equal("Docker-Client", (string?)root["HttpHeaders"]!["User-Agent"]);
        Assert.Equal("ecr-login", (string?)root["credHelpers"]!["ecr.example"]);
        Assert.Equal("table {{.ID}}", (string?)root["psFormat"]);
        Assert.Equal("b3RoZXI6c2VjcmV0", (string?)root["auths"]!["other.example"]!["auth"]);
        Assert.Equal("me@example.com", (string?)root["auths"]!["other.example"]!["email"]);
        Assert.Equal(2, (int)root["auths"]!["h:1"]!["x-extra"]!["nested"]![1]!);
        Assert.Equal(Creds, BasicCredentials.TryDecode((string?)root["auths"]!["h:1"]!["auth"]));
    }

    [Fact]
    public void Update_WritesTabIndentedJsonWithUnescapedBase64()
    {
        using var temp = TempDirectory.Create();
        var path = temp.Combine("auth.json");

        new AuthFile(path).Update(d =>
        {
            d.SetCredentials("h:1", new BasicCredentials("AWS", "?>?>"));
            return true;
        });

        // base64("AWS:?>?>") contains '+' and '/', which Go's encoder leaves alone.
        var encoded = new BasicCredentials("AWS", "?>?>").Encode();
        Assert.Contains('+', encoded);
        Assert.Equal($"{{\n\t\"auths\": {{\n\t\t\"h:1\": {{\n\t\t\t\"auth\": \"{encoded}\"\n\t\t}}\n\t}}\n}}", File.ReadAllText(path).ReplaceLineEndings("\n"));
    }

    [Fact]
    public void Update_LeavesNoTemporaryFilesBehind()
    {
        using var temp = TempDirectory.Create();
        var path = temp.Combine("auth.json");
        var file = new AuthFile(path);

        for (var i = 0; i < 5; i++)
        {
            file.Update(d =>
            {
                d.SetCredentials($"h:{i}", Creds);
                return true;
            });
        }

        Assert.Equal(["auth.json", "auth.json.lock"], Directory.GetFiles(temp.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Update_EditReportsNoChange_DoesNotWrite()
    {
        using var temp = TempDirectory.Create();
        var path = temp.Combine("auth.json");
        File.WriteAllText(path, """{"auths":{},  "odd spacing": true}""");

        var written = new AuthFile(path).Update(d => d.Remove("h:1"));

        Assert.False(written);
        Assert.Equal("""{"auths":{},  "odd spacing": true}""", File.ReadAllText(path));
    }

    [Fact]
    public void RemoveAll_EmptiesAuthsDropsCredHelpersAndKeepsOtherMembers()
    {
        using var temp = TempDirectory.Create();
        var path = temp.Combine("auth.json");
        File.WriteAllText(path, """{"auths":{"a":{"auth":"YTpi"},"b/c":{"auth":"YTpi"}},"credHelpers":{"x":"y"},"credsStore":"pass"}""");

        new AuthFile(path).Update(d =>
        {
            d.RemoveAll();
            return true;
        });

        var root = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        Assert.Empty(root["auths"]!.AsObject());
        Assert.False(root.ContainsKey("credHelpers"));
        Assert.Equal("pass", (string?)root["credsStore"]);
    }

    [Fact]
    public void Read_MalformedJson_FailsNamingTheFileButNotItsContents()
    {
        using var temp = TempDirectory.Create();
        var path = temp.Combine("auth.json");
        File.WriteAllText(path, """{"auths":{"h":{"auth":"U0VDUkVUU0VDUkVU" """);

        var error = Assert.Throws<AuthFileException>(() => new AuthFile(path).Read());

        Assert.StartsWith($"unmarshaling JSON at \"{path}\": invalid JSON at line 1", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("U0VDUkVU", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_AuthsNotAnObject_Fails()
    {
        using var temp = TempDirectory.Create();
        var path = temp.Combine("auth.json");
        File.WriteAllText(path, """{"auths":[]}""");

        var error = Assert.Throws<AuthFileException>(() => new AuthFile(path).Read());

        Assert.Contains("\"auths\" is not an object", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_MissingFile_IsEmpty()
    {
        using var temp = TempDirectory.Create();

        var document = new AuthFile(temp.Combine("none", "auth.json")).Read();

        Assert.Empty(document.Keys);
        Assert.Equal("{\n\t\"auths\": {}\n}", document.ToJson().ReplaceLineEndings("\n"));
    }

    [Fact]
    public void Update_LegacyFile_IsRefused()
    {
        using var temp = TempDirectory.Create();

        var error = Assert.Throws<AuthFileException>(() => new AuthFile(temp.Combine(".dockercfg"), legacyFormat: true).Update(_ => true));

        Assert.Contains("legacy format are not supported", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Update_ManyConcurrentWritersWithTheirOwnHandles_LoseNoEntry()
    {
        using var temp = TempDirectory.Create();
        var path = temp.Combine("containers", "auth.json");
        const int writers = 24;
        const int rounds = 4;

        // Separate AuthFile instances open separate lock handles: flock excludes them as it excludes processes.
        await Task.WhenAll(Enumerable.Range(0, writers).Select(w => Task.Run(
            () =>
            {
                for (var r = 0; r < rounds; r++)
                {
                    new AuthFile(path).Update(d =>
                    {
                        d.SetCredentials($"registry{w}.example:5000/ns{r}", new BasicCredentials("AWS", $"token-{w}-{r}"));
                        return true;
                    });
                }
            },
            TestContext.Current.CancellationToken)));

        var document = new AuthFile(path).Read();
        Assert.Equal(writers * rounds, document.Keys.Count);
        Assert.Equal(new BasicCredentials("AWS", "token-7-3"), document.GetEntry("registry7.example:5000/ns3")!.Credentials);
    }

    [Fact]
    public async Task Update_WhileAnotherProcessHoldsTheLock_WaitsAndKeepsThatProcessesEntry()
    {
        var python = RealClients.Require("python3");
        var ct = TestContext.Current.CancellationToken;
        using var temp = TempDirectory.Create();
        var path = temp.Combine("auth.json");
        File.WriteAllText(path, """{"auths":{}}""");
        var locked = temp.Combine("locked");

        // Another writer: takes flock on auth.json.lock, adds its own entry slowly, then releases.
        const string Script = """
            import fcntl, json, sys, time
            path, marker = sys.argv[1], sys.argv[2]
            with open(path + ".lock", "a+") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)
                open(marker, "w").close()
                time.sleep(1.5)
                with open(path) as f:
                    data = json.load(f)
                data["auths"]["python.example"] = {"auth": "cHk6cHk="}
                with open(path, "w") as f:
                    json.dump(data, f)
            """;
        var other = ProcessRunner.RunAsync(python, ["-c", Script, path, locked], cancellationToken: ct);
        var wait = Stopwatch.StartNew();
        while (!File.Exists(locked))
        {
            Assert.True(wait.Elapsed < TimeSpan.FromSeconds(30), "the python writer never took the lock");
            await Task.Delay(20, ct);
        }

        var blocked = Stopwatch.StartNew();
        new AuthFile(path).Update(d =>
        {
            d.SetCredentials("dotnet.example", Creds);
            return true;
        });
        blocked.Stop();

        var result = await other;
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.True(blocked.Elapsed > TimeSpan.FromMilliseconds(500), $"did not wait for the lock ({blocked.Elapsed})");
        var document = new AuthFile(path).Read();
        Assert.NotNull(document.GetEntry("python.example"));
        Assert.Equal(Creds, document.GetEntry("dotnet.example")!.Credentials);
    }
}
