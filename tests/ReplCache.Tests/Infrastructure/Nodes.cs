using Microsoft.Extensions.Logging;

namespace ReplCache.Tests.Infrastructure;

/// <summary>Starts real nodes on 127.0.0.1 with port 0.</summary>
internal static class Nodes
{
    public static ReplicatedCacheOptions Options(Uri? primary = null, Action<ReplicatedCacheOptions>? configure = null)
    {
        var options = new ReplicatedCacheOptions
        {
            Listen = "http://127.0.0.1:0",
            PrimaryAddress = primary,
            HeartbeatInterval = TimeSpan.FromMilliseconds(200),
            ReplicationTimeout = TimeSpan.FromSeconds(5),
        };
        configure?.Invoke(options);
        return options;
    }

    /// <summary>Set REPLCACHE_TEST_LOG=1 to see the nodes' logs on the console while debugging a test.</summary>
    public static ILoggerFactory? LoggerFactory { get; } = Environment.GetEnvironmentVariable("REPLCACHE_TEST_LOG") == "1"
        ? Microsoft.Extensions.Logging.LoggerFactory.Create(b => b.AddSimpleConsole(o => o.TimestampFormat = "HH:mm:ss.fff ").SetMinimumLevel(LogLevel.Debug))
        : null;

    public static Task<ReplicatedCacheNode> StartPrimaryAsync(Action<ReplicatedCacheOptions>? configure = null) =>
        ReplicatedCacheNode.StartAsync(Options(null, configure), LoggerFactory);

    public static Task<ReplicatedCacheNode> StartSecondaryAsync(Uri primary, Action<ReplicatedCacheOptions>? configure = null) =>
        ReplicatedCacheNode.StartAsync(Options(primary, configure), LoggerFactory);

    public static Task WaitInSyncAsync(ReplicatedCacheNode primary, params ReplicatedCacheNode[] secondaries) =>
        Poll.UntilAsync(
            () => secondaries.All(s => s.Replication.GetInfo().LinkStatus == PrimaryLinkStatus.Up
                && s.Replication.GetInfo().Offset == primary.Replication.GetInfo().Offset),
            "secondaries to catch up with the primary's offset");
}
