
namespace Berth.Testing;

/// <summary>Finds the real client programs the integration tests drive.</summary>
/// <remarks>
/// A test that needs a missing client skips with the reason; with <c>BERTH_REQUIRE_REAL_CLIENTS=1</c> (set by
/// .ci/run) the same situation fails instead, so CI can never go green without running them.
/// </remarks>
public static class RealClients
{
    public static bool Required => Environment.GetEnvironmentVariable("BERTH_REQUIRE_REAL_CLIENTS") == "1";

    /// <summary>Returns the full path of <paramref name="program"/>, or skips/fails the test when it is not installed.</summary>
    public static string Require(string program)
    {
        var path = Find(program);
        if (path is not null)
        {
            return path;
        }

        var reason = $"'{program}' is not installed on this machine (apt-get install {program}, or see .ci/run)";
        if (Required)
        {
            Assert.Fail($"BERTH_REQUIRE_REAL_CLIENTS=1 but {reason}.");
        }

        Assert.Skip(reason);
        return null!;
    }

    /// <summary>The python that has boto3 (the pyenv one on this machine).</summary>
    public static string RequirePythonWithBoto3()
    {
        foreach (var candidate in new[] { Find("python3"), Find("python"), "/root/.pyenv/shims/python3" }.Where(File.Exists).Distinct())
        {
            var probe = ProcessRunner.RunAsync(candidate!, ["-c", "import boto3"]).GetAwaiter().GetResult();
            if (probe.ExitCode == 0)
            {
                return candidate!;
            }
        }

        var reason = "no python with boto3 found (pip install boto3)";
        if (Required)
        {
            Assert.Fail($"BERTH_REQUIRE_REAL_CLIENTS=1 but {reason}.");
        }

        Assert.Skip(reason);
        return null!;
    }

    public static string? Find(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, program))
            .FirstOrDefault(File.Exists);
}
