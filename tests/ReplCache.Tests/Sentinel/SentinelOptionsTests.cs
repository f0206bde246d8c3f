using Microsoft.Extensions.Options;
using ReplCache.Tests.Infrastructure;

namespace ReplCache.Tests.Sentinel;

/// <summary>The Sentinel option: checked at start with messages that name the setting, and a discovery that fails clearly.</summary>
public sealed class SentinelOptionsTests
{
    [Fact]
    public void Default_IsNoSentinel_NeverNull()
    {
        var options = new ReplicatedCacheOptions();
        Assert.NotNull(options.Sentinel);
        Assert.Empty(options.Sentinel.Endpoints);
        Assert.Null(options.Sentinel.ServiceName);
    }

    [Theory]
    [InlineData("no-port", "mymaster", "Sentinel.Endpoints must each be host:port with a non-zero port")]
    [InlineData("127.0.0.1:0", "mymaster", "Sentinel.Endpoints must each be host:port with a non-zero port")]
    [InlineData("127.0.0.1:26379", null, "Sentinel.ServiceName must be the master name the Sentinels monitor")]
    [InlineData("127.0.0.1:26379", "my master", "Sentinel.ServiceName must be the master name the Sentinels monitor")]
    public async Task BadSentinelSettings_AreRefusedAtStart_NamingTheSetting(string endpoint, string? service, string expected)
    {
        var options = new ReplicatedCacheOptions { Listen = "http://127.0.0.1:0", RespListen = "127.0.0.1:7000" };
        options.Sentinel.Endpoints.Add(endpoint);
        options.Sentinel.ServiceName = service;
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => ReplicatedCacheNode.StartAsync(options));
        Assert.Contains("ReplicatedCacheOptions." + expected, error.Message);
    }

    [Fact]
    public async Task Sentinel_ExcludesPrimaryAddress_AndNeedsARespEndpointTheNodeCanRecogniseItselfBy()
    {
        var options = new ReplicatedCacheOptions { Listen = "http://127.0.0.1:0", PrimaryAddress = new Uri("http://127.0.0.1:7001") };
        options.Sentinel.Endpoints.Add("127.0.0.1:26379");
        options.Sentinel.ServiceName = "mymaster";
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => ReplicatedCacheNode.StartAsync(options));
        Assert.Contains("ReplicatedCacheOptions.PrimaryAddress must be null when Sentinel.Endpoints is set", error.Message);
        Assert.Contains("ReplicatedCacheOptions.RespListen must be set when Sentinel.Endpoints is set", error.Message);

        options.PrimaryAddress = null;
        options.RespListen = "0.0.0.0:0";
        error = await Assert.ThrowsAsync<OptionsValidationException>(() => ReplicatedCacheNode.StartAsync(options));
        Assert.Contains("ReplicatedCacheOptions.AnnounceAddress must name this node's address", error.Message);
    }

    [Fact]
    public async Task AServiceNameWithoutEndpoints_IsRefused()
    {
        var options = new ReplicatedCacheOptions { Listen = "http://127.0.0.1:0" };
        options.Sentinel.ServiceName = "mymaster";
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => ReplicatedCacheNode.StartAsync(options));
        Assert.Contains("ReplicatedCacheOptions.Sentinel.ServiceName is set but Sentinel.Endpoints is empty", error.Message);
    }

    [Fact]
    public async Task NoSentinelAnswering_FailsTheStart_WithinReplicationTimeout_SayingWhatWasTried()
    {
        int closedPort = LocalPorts.Free();
        int port = LocalPorts.Free();
        var options = new ReplicatedCacheOptions
        {
            Listen = $"http://127.0.0.1:{port}",
            RespListen = $"127.0.0.1:{port}",
            ReplicationTimeout = TimeSpan.FromSeconds(1),
            HeartbeatInterval = TimeSpan.FromMilliseconds(200),
        };
        options.Sentinel.Endpoints.Add($"127.0.0.1:{closedPort}");
        options.Sentinel.ServiceName = "mymaster";
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => ReplicatedCacheNode.StartAsync(options));
        Assert.Contains("No Redis Sentinel of Sentinel.Endpoints named the primary of 'mymaster' within ReplicationTimeout", error.Message);
        Assert.Contains($"127.0.0.1:{closedPort}", error.Message);
    }

    [EndToEnd.RequiresRedisToolsFact("redis-server")]
    public async Task SentinelsThatDoNotMonitorTheService_FailTheStartAtOnce_SayingSo()
    {
        await using SentinelProcess sentinel = await SentinelProcess.StartAsync(LocalPorts.Free(), "some-other-group");
        int port = LocalPorts.Free();
        var options = new ReplicatedCacheOptions { Listen = $"http://127.0.0.1:{port}", RespListen = $"127.0.0.1:{port}" };
        options.Sentinel.Endpoints.Add($"127.0.0.1:{sentinel.Port}");
        options.Sentinel.ServiceName = "mymaster";
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => ReplicatedCacheNode.StartAsync(options));
        Assert.Contains("No Redis Sentinel of Sentinel.Endpoints monitors the service 'mymaster' (Sentinel.ServiceName)", error.Message);
    }
}
