using System.Diagnostics;

namespace ReplCache.Tests.EndToEnd;

/// <summary>
/// The seed tutorial's walkthrough with three replcache-server processes and the real redis-cli:
/// tests/e2e/seed-walkthrough.sh, whose output is attached to a failure.
/// </summary>
[Collection(Infrastructure.HeavyCollection.Name)]
public class SeedWalkthroughScriptTests
{
    [RequiresRedisToolsFact]
    [Trait("Category", "EndToEnd")]
    public async Task EveryStepOfTheSeedWalkthrough_HoldsWithRedisCli()
    {
        RedisTools.Require("redis-cli");
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(RedisTools.RepositoryRoot, "tests", "e2e", "seed-walkthrough.sh"));
        start.ArgumentList.Add(RedisTools.ServerDll);
        using Process script = Process.Start(start) ?? throw new InvalidOperationException("bash did not start");
        Task<string> stdout = script.StandardOutput.ReadToEndAsync();
        Task<string> stderr = script.StandardError.ReadToEndAsync();
        try
        {
            await script.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(3));
        }
        finally
        {
            if (!script.HasExited)
            {
                script.Kill(entireProcessTree: true);
            }
        }

        string output = await stdout + "\n" + await stderr;
        Assert.True(script.ExitCode == 0, "seed-walkthrough.sh failed:\n" + output);
        Assert.Contains("seed walkthrough: all steps held", output, StringComparison.Ordinal);
    }
}
