using Microsoft.Extensions.Logging;
using ReplCache.Server.Config;

namespace ReplCache.Tests.Server;

/// <summary>redis.conf directives read into the server's config, and the errors for what it refuses.</summary>
public sealed class ServerConfigTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("replcache-server-config-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void EveryDirective_IsRead()
    {
        string data = Directory.CreateDirectory(Path.Combine(_dir, "data")).FullName;
        ServerConfig config = Load($"""
            # the tutorial's redis6380.conf, and the rest
            bind 127.0.0.1
            PORT 6380
            pidfile /var/run/redis_6380.pid
            logfile "6380.log"
            loglevel verbose
            dir {data}
            dbfilename dump6380.rdb
            save 900 1
            replicaof 127.0.0.1 6379
            requirepass s3cret
            masterauth s3cret
            repl-backlog-size 1mb
            replica-read-only yes
            replica-serve-stale-data no
            min-replicas-to-write 2
            min-replicas-max-lag 15
            repl-timeout 30
            repl-ping-replica-period 5
            replica-announce-ip 10.0.0.5
            replica-announce-port 16380
            daemonize no
            """);

        Assert.Equal("127.0.0.1", config.BindAddress);
        Assert.Equal(6380, config.Port);
        Assert.Equal("/var/run/redis_6380.pid", config.PidFile);
        Assert.Equal("6380.log", config.LogFile);
        Assert.Equal(LogLevel.Debug, config.LogLevel);
        Assert.Equal(data, config.Dir);
        Assert.Equal("dump6380.rdb", config.DbFileName);
        Assert.Equal([new SnapshotSavePoint(TimeSpan.FromSeconds(900), 1)], config.SavePoints);
        Assert.Equal(new Uri("http://127.0.0.1:6379"), config.ReplicaOf);
        Assert.Equal("s3cret", config.RequirePass);
        Assert.Equal("s3cret", config.MasterAuth);
        Assert.Equal(1024 * 1024, config.BacklogSizeBytes);
        Assert.False(config.ServeStaleData);
        Assert.Equal(2, config.MinReplicasToWrite);
        Assert.Equal(15, config.MinReplicasMaxLagSeconds);
        Assert.Equal(30, config.ReplTimeoutSeconds);
        Assert.Equal(5, config.PingPeriodSeconds);
        Assert.Equal("10.0.0.5", config.AnnounceIp);
        Assert.Equal(16380, config.AnnouncePort);
        Assert.Equal(10, config.SetBy["replicaof"].Number);
    }

    [Fact]
    public void SlaveAliases_SetTheReplicaDirectives()
    {
        ServerConfig config = Load("""
            slaveof 10.1.2.3 7000
            slave-read-only yes
            slave-serve-stale-data no
            min-slaves-to-write 1
            min-slaves-max-lag 3
            repl-ping-slave-period 2
            """);
        Assert.Equal(new Uri("http://10.1.2.3:7000"), config.ReplicaOf);
        Assert.False(config.ServeStaleData);
        Assert.Equal(1, config.MinReplicasToWrite);
        Assert.Equal(3, config.MinReplicasMaxLagSeconds);
        Assert.Equal(2, config.PingPeriodSeconds);
    }

    [Fact]
    public void Defaults_AreRedisDefaults_WhereReplCacheHasNoReasonToDiffer()
    {
        ServerConfig config = Load("# nothing but a comment\n\n   \n");
        Assert.Equal("127.0.0.1", config.BindAddress);
        Assert.Equal(6379, config.Port);
        Assert.Equal("dump.rcs", config.DbFileName);
        Assert.Equal("", config.LogFile);
        Assert.Null(config.PidFile);
        Assert.Equal(SnapshotSavePoint.RedisDefaults, config.SavePoints);
        Assert.Equal("3600 1 300 100 60 10000", config.SaveText);
    }

    [Fact]
    public void SaveLines_TheFirstReplacesTheDefaults_LaterOnesAdd()
    {
        ServerConfig config = Load("save 900 1\nsave 300 10 60 10000\n");
        Assert.Equal("900 1 300 10 60 10000", config.SaveText);
    }

    [Fact]
    public void SaveEmpty_MeansNoSavePoints_AndALaterLineStartsAgain()
    {
        Assert.Empty(Load("save 900 1\nsave \"\"\n").SavePoints);
        Assert.Equal("60 5", Load("save \"\"\nsave 60 5\n").SaveText);
    }

    [Fact]
    public void IPv6ReplicaOf_IsBracketed_AndReplicaOfNoOne_UndoesIt()
    {
        Assert.Equal(new Uri("http://[::1]:6379"), Load("replicaof ::1 6379").ReplicaOf);
        Assert.Null(Load("replicaof 127.0.0.1 6379\nreplicaof no one").ReplicaOf);
    }

    [Theory]
    [InlineData("bind 127.0.0.1 -::1", "127.0.0.1")]
    [InlineData("bind -::1 127.0.0.1", "127.0.0.1")]
    [InlineData("bind * -::*", "0.0.0.0")]
    [InlineData("bind -::1", "::1")]
    [InlineData("bind \"10.0.0.1\"", "10.0.0.1")]
    [InlineData("bind localhost", "localhost")]
    public void Bind_TakesTheOneRequiredAddress(string line, string address) =>
        Assert.Equal(address, Load(line).BindAddress);

    [Theory]
    [InlineData("frobnicate yes", "Bad directive or wrong number of arguments")]
    [InlineData("port", "wrong number of arguments")]
    [InlineData("port 6379 6380", "wrong number of arguments")]
    [InlineData("port abc", "argument couldn't be parsed into an integer")]
    [InlineData("port 65536", "argument must be between 0 and 65535 inclusive")]
    [InlineData("repl-timeout 0", "argument must be between 1 and")]
    [InlineData("replica-serve-stale-data maybe", "argument must be 'yes' or 'no'")]
    [InlineData("repl-backlog-size 1kib", "argument must be a memory value")]
    [InlineData("save 900", "Invalid save parameters")]
    [InlineData("save 900 x", "Invalid save parameters")]
    [InlineData("save 0 1", "Invalid save parameters")]
    [InlineData("replicaof 127.0.0.1", "wrong number of arguments")]
    [InlineData("replicaof 127.0.0.1 0", "Invalid master port")]
    [InlineData("bind 10.0.0.1 10.0.0.2", "ReplCache binds one address")]
    [InlineData("bind redis.example.com", "bind must name an IP address")]
    [InlineData("replica-read-only no", "always read-only")]
    [InlineData("slave-read-only no", "always read-only")]
    [InlineData("daemonize yes", "service manager")]
    [InlineData("dbfilename sub/dump.rdb", "dbfilename can't be a path")]
    [InlineData("dir /no/such/replcache/dir", "Can't chdir to '/no/such/replcache/dir'")]
    [InlineData("loglevel chatty", "debug, verbose, notice, warning, nothing")]
    [InlineData("requirepass \"unbalanced", "Unbalanced quotes in configuration line")]
    public void ABadLine_StopsStartUp_WithFileLineAndProblem(string badLine, string problem)
    {
        string file = Write("# header\nport 6379\n" + badLine + "\nbind 127.0.0.1\n");
        var error = Assert.Throws<ConfigException>(() => ServerConfigLoader.Load(CommandLine.Parse([file])));
        Assert.Equal(3, error.Line!.Number);
        Assert.Contains(problem, error.Message);
        string report = error.ToReport();
        Assert.Contains("*** FATAL CONFIG FILE ERROR ***", report);
        Assert.Contains($"Reading the configuration file {file}, at line 3", report);
        Assert.Contains($">>> '{badLine}'", report);
        Assert.Contains(problem, report);
    }

    [Fact]
    public void AMissingFile_IsAnErrorNamingIt()
    {
        string file = Path.Combine(_dir, "missing.conf");
        var error = Assert.Throws<ConfigException>(() => ServerConfigLoader.Load(CommandLine.Parse([file])));
        Assert.Contains($"can't open config file '{file}'", error.ToReport());
    }

    private ServerConfig Load(string text) => ServerConfigLoader.Load(CommandLine.Parse([Write(text)]));

    private string Write(string text)
    {
        string file = Path.Combine(_dir, $"redis-{Guid.NewGuid():N}.conf");
        File.WriteAllText(file, text);
        return file;
    }
}
