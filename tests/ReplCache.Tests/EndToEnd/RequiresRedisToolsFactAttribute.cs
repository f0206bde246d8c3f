namespace ReplCache.Tests.EndToEnd;

/// <summary>
/// A test that drives the real redis-cli or redis-server. Where they are not installed it is skipped with a message
/// saying how to install them — except under CI (<c>REPLCACHE_REQUIRE_E2E=1</c>, set by <c>.ci/run</c>, which
/// installs them), where it runs and fails loudly if they are missing.
/// </summary>
public sealed class RequiresRedisToolsFactAttribute : FactAttribute
{
    public RequiresRedisToolsFactAttribute(string tool = "redis-cli")
    {
        if (Environment.GetEnvironmentVariable("REPLCACHE_REQUIRE_E2E") != "1" && RedisTools.Find(tool) is null)
        {
            Skip = $"{tool} is not installed (apt-get install redis-tools redis-server); .ci/run installs it";
        }
    }
}
