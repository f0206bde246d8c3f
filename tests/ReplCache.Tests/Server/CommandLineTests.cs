using ReplCache.Server.Config;

namespace ReplCache.Tests.Server;

/// <summary>redis-server's command line: an optional file, then --name args... lines applied after it.</summary>
public sealed class CommandLineTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("replcache-server-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Overrides_AreAppliedAfterTheFile()
    {
        string file = Path.Combine(_dir, "redis.conf");
        File.WriteAllText(file, "port 6379\nreplicaof 10.0.0.1 7000\nsave 900 1\n");
        ServerConfig config = ServerConfigLoader.Load(CommandLine.Parse([file, "--port", "6380", "--replicaof", "127.0.0.1 6379", "--save", "60", "5"]));
        Assert.Equal(6380, config.Port);
        Assert.Equal(new Uri("http://127.0.0.1:6379"), config.ReplicaOf);
        Assert.Equal("900 1 60 5", config.SaveText); // a save line after the file's adds to it, as in Redis
        Assert.Equal(file, config.File);
    }

    [Theory]
    [InlineData("--replicaof|127.0.0.1|6379")]
    [InlineData("--replicaof|127.0.0.1 6379")]
    [InlineData("--replicaof 127.0.0.1 6379")]
    [InlineData("--slaveof|\"127.0.0.1\" 6379")]
    public void ReplicaOf_TakesItsArgumentsSeparateOrAsOneWord(string args) =>
        Assert.Equal(new Uri("http://127.0.0.1:6379"), ServerConfigLoader.Load(CommandLine.Parse(args.Split('|'))).ReplicaOf);

    [Theory]
    [InlineData("--save")]
    [InlineData("--save|--port|7000")]
    [InlineData("--save|")]
    public void ABareSave_MeansNoSavePoints(string args) =>
        Assert.Empty(ServerConfigLoader.Load(CommandLine.Parse(args.Split('|'))).SavePoints);

    [Fact]
    public void AValueMayStartWithDashes_RightAfterAName() =>
        Assert.Equal("--secret--", ServerConfigLoader.Load(CommandLine.Parse(["--requirepass", "--secret--"])).RequirePass);

    [Fact]
    public void NoFile_IsAllowed()
    {
        CommandLine commandLine = CommandLine.Parse(["--port", "0", "--bind", "127.0.0.1"]);
        Assert.Null(commandLine.ConfigFile);
        Assert.Equal(0, ServerConfigLoader.Load(commandLine).Port);
    }

    [Theory]
    [InlineData("--version", "Version")]
    [InlineData("-v", "Version")]
    [InlineData("--help", "Help")]
    [InlineData("-h", "Help")]
    public void VersionAndHelp(string arg, string action) => Assert.Equal(action, CommandLine.Parse([arg]).Action.ToString());

    [Fact]
    public void ABadOverride_IsReportedAsACommandLineOption_WithItsPosition()
    {
        var error = Assert.Throws<ConfigException>(() => ServerConfigLoader.Load(CommandLine.Parse(["--port", "6380", "--repl-timeout", "soon"])));
        Assert.Null(error.Line!.File);
        Assert.Equal(2, error.Line.Number);
        string report = error.ToReport();
        Assert.Contains("Reading the command-line options, at option 2", report);
        Assert.Contains(">>> '--repl-timeout soon'", report);
        Assert.Contains("argument couldn't be parsed into an integer", report);
    }

    [Fact]
    public void AStrayWord_IsAnUnknownDirective()
    {
        var error = Assert.Throws<ConfigException>(() => ServerConfigLoader.Load(CommandLine.Parse(["--port", "1", "2"])));
        Assert.Contains("wrong number of arguments", error.Message);
    }
}
