using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ReplCache.Tests.Hosting;

/// <summary>services.AddReplicatedCache, both ways, and what it registers.</summary>
public class RegistrationTests
{
    [Fact]
    public void AddReplicatedCache_WithAnAction_RegistersOneSingletonForEveryInterface()
    {
        using ServiceProvider provider = new ServiceCollection().AddReplicatedCache(o => o.NodeId = "node-a").BuildServiceProvider();
        ReplicatedCache cache = provider.GetRequiredService<ReplicatedCache>();
        Assert.Same(cache, provider.GetRequiredService<IDistributedCache>());
        Assert.Same(cache, provider.GetRequiredService<IBufferDistributedCache>());

        IDistributedCache distributed = provider.GetRequiredService<IDistributedCache>();
        distributed.SetString("greeting", "hello");
        Assert.Equal("hello", distributed.GetString("greeting"));

        ReplicationInfo info = provider.GetRequiredService<IReplicationControl>().GetInfo();
        Assert.Equal(ReplicationRole.Primary, info.Role);
        Assert.Equal("node-a", info.NodeId);
        Assert.Empty(info.Replicas);
        Assert.Equal(PrimaryLinkStatus.None, info.LinkStatus);
        Assert.Matches("^[0-9a-f]{40}$", info.ReplicationId);
        Assert.Equal(new string('0', 40), info.ReplicationId2);
        Assert.Equal(-1, info.SecondOffset);
        Assert.True(info.Offset > 0); // the write above is in the replication log
    }

    [Fact]
    public async Task AddReplicatedCache_FromConfiguration_BindsTheOptions()
    {
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ReplCache:NodeId"] = "from-config",
            ["ReplCache:SizeLimitBytes"] = "1048576",
            ["ReplCache:HeartbeatInterval"] = "00:00:02",
            ["ReplCache:ServeStaleData"] = "false",
        }).Build();
        await using ServiceProvider provider = new ServiceCollection().AddReplicatedCache(configuration.GetSection("ReplCache")).BuildServiceProvider();
        ReplicatedCacheOptions options = provider.GetRequiredService<IOptions<ReplicatedCacheOptions>>().Value;
        Assert.Equal(1_048_576, options.SizeLimitBytes);
        Assert.Equal(TimeSpan.FromSeconds(2), options.HeartbeatInterval);
        Assert.False(options.ServeStaleData);
        Assert.Same(TimeProvider.System, options.TimeProvider);
        IDistributedCache cache = provider.GetRequiredService<IDistributedCache>();
        cache.SetString("k", "v");
        Assert.Equal("v", cache.GetString("k"));
        Assert.Equal("from-config", provider.GetRequiredService<IReplicationControl>().GetInfo().NodeId);
    }

    [Fact]
    public void DefaultNodeId_IsFortyHexDigits()
    {
        using ServiceProvider provider = new ServiceCollection().AddReplicatedCache(_ => { }).BuildServiceProvider();
        Assert.Matches("^[0-9a-f]{40}$", provider.GetRequiredService<IReplicationControl>().GetInfo().NodeId);
    }

    [Theory]
    [InlineData("BacklogSizeBytes")]
    [InlineData("HeartbeatInterval")]
    [InlineData("SizeLimitBytes")]
    [InlineData("NodeId")]
    [InlineData("Listen")]
    [InlineData("ReplicationTimeout")]
    [InlineData("PrimaryAddress")]
    [InlineData("MinReplicasToWrite")]
    public void BadOption_FailsWithAMessageNamingTheSetting(string setting)
    {
        Action<ReplicatedCacheOptions> spoil = setting switch
        {
            "BacklogSizeBytes" => o => o.BacklogSizeBytes = 1,
            "HeartbeatInterval" => o => o.HeartbeatInterval = TimeSpan.Zero,
            "SizeLimitBytes" => o => o.SizeLimitBytes = 0,
            "NodeId" => o => o.NodeId = "bad id!",
            "Listen" => o => o.Listen = "not a uri",
            "ReplicationTimeout" => o => o.ReplicationTimeout = TimeSpan.FromMilliseconds(10),
            "PrimaryAddress" => o => o.PrimaryAddress = new Uri("ftp://127.0.0.1:21"),
            _ => o => o.MinReplicasToWrite = -1,
        };
        using ServiceProvider provider = new ServiceCollection().AddReplicatedCache(spoil).BuildServiceProvider();
        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IDistributedCache>());
        Assert.Contains(setting, error.Message);
    }

    [Fact]
    public async Task BadOption_StopsHostStartup()
    {
        HostApplicationBuilder builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddReplicatedCache(o => o.BacklogSizeBytes = 1);
        using IHost host = builder.Build();
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains("BacklogSizeBytes", error.Message);
    }

    [Fact]
    public void AddReplicatedCacheTwice_IsHarmless()
    {
        var services = new ServiceCollection();
        services.AddReplicatedCache(o => o.NodeId = "first");
        services.AddReplicatedCache(o => o.SizeLimitBytes = 1 << 20);
        using ServiceProvider provider = services.BuildServiceProvider();
        Assert.Same(provider.GetRequiredService<ReplicatedCache>(), provider.GetRequiredService<IDistributedCache>());
        Assert.Single(provider.GetServices<IDistributedCache>());
        Assert.Single(provider.GetServices<IHostedService>(), s => s.GetType().Name == "ReplicationHostedService");
        ReplicatedCacheOptions options = provider.GetRequiredService<IOptions<ReplicatedCacheOptions>>().Value;
        Assert.Equal("first", options.NodeId);
        Assert.Equal(1 << 20, options.SizeLimitBytes);
    }

    [Fact]
    public void AddReplicatedCache_AfterAddDistributedMemoryCache_Wins()
    {
        var services = new ServiceCollection();
        services.AddDistributedMemoryCache();
        services.AddReplicatedCache(_ => { });
        using ServiceProvider provider = services.BuildServiceProvider();
        Assert.IsType<ReplicatedCache>(provider.GetRequiredService<IDistributedCache>());
    }

    [Fact]
    public void PrimaryInfoString_HasRedisFields()
    {
        using ServiceProvider provider = new ServiceCollection().AddReplicatedCache(_ => { }).BuildServiceProvider();
        string text = provider.GetRequiredService<IReplicationControl>().GetInfo().ToInfoString();
        string[] lines = text.Split("\r\n");
        Assert.Equal("# Replication", lines[0]);
        Assert.Contains("role:master", lines);
        Assert.Contains("connected_slaves:0", lines);
        Assert.Contains("master_replid2:0000000000000000000000000000000000000000", lines);
        Assert.Contains("master_repl_offset:0", lines);
        Assert.Contains("second_repl_offset:-1", lines);
        Assert.Contains(lines, l => l.StartsWith("master_replid:", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("repl_backlog_size:", StringComparison.Ordinal));
    }
}
