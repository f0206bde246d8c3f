using ReplCache.Server;
using ReplCache.Server.Config;

namespace ReplCache.Tests.Server;

/// <summary>The server-level settings a node's HostSettings carries for CONFIG GET.</summary>
public sealed class HostSettingsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("replcache-server-settings-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task ServerSettings_AreRecorded_ByRedisDirectiveName_WithTheBoundPort()
    {
        string file = Path.Combine(_dir, "redis.conf");
        File.WriteAllText(file, $"bind 127.0.0.1 -::1\nport 0\npidfile /var/run/redis_6379.pid\nlogfile \"6379.log\"\ndir {_dir}\ndbfilename dump6379.rdb\nsave 900 1\nsave 60 100\nloglevel warning\n");
        ServerConfig config = ServerConfigLoader.Load(CommandLine.Parse([file]));
        await using ReplicatedCacheNode node = await ReplicatedCacheNode.StartAsync(NodeOptionsMapping.ToOptions(config));

        ServerHost.RecordHostSettings(config, node.Address.Port, node.Core.HostSettings);

        var settings = node.Core.HostSettings;
        Assert.Equal("127.0.0.1 -::1", settings["bind"]);
        Assert.Equal(node.Address.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), settings["PORT"]);
        Assert.NotEqual("0", settings["port"]);
        Assert.Equal("/var/run/redis_6379.pid", settings["pidfile"]);
        Assert.Equal("6379.log", settings["logfile"]);
        Assert.Equal(_dir, settings["dir"]);
        Assert.Equal("dump6379.rdb", settings["dbfilename"]);
        Assert.Equal("900 1 60 100", settings["save"]);
        Assert.Equal("warning", settings["loglevel"]);
        Assert.Equal("no", settings["daemonize"]);
    }
}
