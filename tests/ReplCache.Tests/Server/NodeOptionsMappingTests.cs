using ReplCache.Server.Config;

namespace ReplCache.Tests.Server;

/// <summary>Directives onto ReplicatedCacheOptions, and the node's own validation reported against the directive.</summary>
public sealed class NodeOptionsMappingTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("replcache-server-mapping-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void TheTutorialsConfig_MapsOntoOnePortForBothProtocols_AndAlwaysASnapshotPath()
    {
        ReplicatedCacheOptions options = Map($"""
            bind 127.0.0.1
            port 6379
            dir {_dir}
            dbfilename dump6379.rdb
            """);
        Assert.Equal("http://127.0.0.1:6379", options.Listen);
        Assert.Equal("127.0.0.1:6379", options.RespListen);
        Assert.Equal(Path.Combine(_dir, "dump6379.rdb"), options.SnapshotPath);
        Assert.Equal(SnapshotSavePoint.RedisDefaults, options.SnapshotSavePoints);
        Assert.True(options.SaveOnStop);
        Assert.Null(options.PrimaryAddress);
        Assert.Null(options.AnnounceAddress);
        Assert.Null(options.AuthToken);
        Assert.Equal(ReplicaWriteMode.Reject, options.ReplicaWrites);
    }

    [Fact]
    public void EveryReplicationDirective_MapsOntoItsOption()
    {
        ReplicatedCacheOptions options = Map("""
            bind ::1
            port 0
            save ""
            replicaof 127.0.0.1 6379
            masterauth s3cret
            repl-backlog-size 2mb
            repl-backlog-ttl 120
            replica-serve-stale-data no
            min-replicas-to-write 1
            min-replicas-max-lag 20
            repl-timeout 30
            repl-ping-replica-period 3
            replica-announce-ip 10.0.0.5
            replica-announce-port 7000
            """);
        Assert.Equal("http://[::1]:0", options.Listen);
        Assert.Equal("[::1]:0", options.RespListen);
        Assert.Empty(options.SnapshotSavePoints);
        Assert.False(options.SaveOnStop);
        Assert.Equal(new Uri("http://127.0.0.1:6379"), options.PrimaryAddress);
        Assert.Equal("s3cret", options.AuthToken);
        Assert.Equal(2 * 1024 * 1024, options.BacklogSizeBytes);
        Assert.Equal(TimeSpan.FromSeconds(120), options.BacklogTtl);
        Assert.False(options.ServeStaleData);
        Assert.Equal(1, options.MinReplicasToWrite);
        Assert.Equal(TimeSpan.FromSeconds(20), options.MinReplicasMaxLag);
        Assert.Equal(TimeSpan.FromSeconds(30), options.ReplicationTimeout);
        Assert.Equal(TimeSpan.FromSeconds(3), options.HeartbeatInterval);
        Assert.Equal(new Uri("http://10.0.0.5:7000"), options.AnnounceAddress);
    }

    [Fact]
    public void DirectivesNotGiven_KeepTheNodesDefaults()
    {
        ReplicatedCacheOptions options = Map("port 0");
        var defaults = new ReplicatedCacheOptions();
        Assert.Equal(defaults.BacklogSizeBytes, options.BacklogSizeBytes);
        Assert.Equal(TimeSpan.FromHours(1), options.BacklogTtl);
        Assert.Equal(defaults.HeartbeatInterval, options.HeartbeatInterval);
        Assert.Equal(defaults.ReplicationTimeout, options.ReplicationTimeout);
        Assert.Equal(defaults.MinReplicasMaxLag, options.MinReplicasMaxLag);
        Assert.True(options.ServeStaleData);
        Assert.Equal("http://127.0.0.1:0", options.Listen);
    }

    [Fact]
    public void RequirepassAndMasterauth_Agreeing_AreTheOneSecret() =>
        Assert.Equal("same", Map("requirepass same\nmasterauth same").AuthToken);

    [Fact]
    public void RequirepassAndMasterauth_Differing_AreRefused_AtTheLaterLine()
    {
        ConfigException error = MapFails("requirepass one\nport 0\nmasterauth two");
        Assert.Equal(3, error.Line!.Number);
        Assert.Contains("one shared secret", error.Message);
    }

    [Fact]
    public void AValueTheNodeRefuses_IsReportedAgainstItsDirective()
    {
        ConfigException error = MapFails("port 0\nrepl-backlog-size 1k\n");
        Assert.Equal(2, error.Line!.Number);
        Assert.Contains("'repl-backlog-size'", error.Message);
        Assert.Contains("BacklogSizeBytes must be at least 16384 bytes", error.Message);
        Assert.Contains(">>> 'repl-backlog-size 1k'", error.ToReport());
    }

    [Fact]
    public void APingPeriodAsLongAsTheDefaultTimeout_IsReportedAtThePingLine()
    {
        ConfigException error = MapFails("repl-ping-replica-period 60\nport 0\n");
        Assert.Equal(1, error.Line!.Number);
        Assert.Contains("ReplicationTimeout", error.Message);
    }

    [Fact]
    public void AnAnnouncedAddress_NeedsAKnownPort()
    {
        Assert.Contains("replica-announce-port", MapFails("port 0\nreplica-announce-ip 10.0.0.5").Message);
        Assert.Contains("wildcard", MapFails("bind *\nreplica-announce-port 7000").Message);
        Assert.Equal(new Uri("http://127.0.0.1:7000"), Map("replica-announce-port 7000").AnnounceAddress);
    }

    private ReplicatedCacheOptions Map(string text) => NodeOptionsMapping.ToOptions(ServerConfigLoader.Load(CommandLine.Parse([Write(text)])));

    private ConfigException MapFails(string text) => Assert.Throws<ConfigException>(() => Map(text));

    private string Write(string text)
    {
        string file = Path.Combine(_dir, $"redis-{Guid.NewGuid():N}.conf");
        File.WriteAllText(file, text);
        return file;
    }
}
