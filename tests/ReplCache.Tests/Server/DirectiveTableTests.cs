using ReplCache.Resp;
using ReplCache.Resp.Directives;
using ReplCache.Server;

namespace ReplCache.Tests.Server;

/// <summary>The one table of directives that parsing, the option mapping, CONFIG GET and --help all read.</summary>
public sealed class DirectiveTableTests
{
    [Fact]
    public void EveryNameAndAlias_IsLowerCase_AndFindsItsOneEntry()
    {
        var names = DirectiveTable.All.SelectMany(d => d.Aliases.Prepend(d.Name)).ToList();
        Assert.Equal(names.Count, names.Distinct(StringComparer.OrdinalIgnoreCase).Count());
        Assert.All(names, name => Assert.Equal(name.ToLowerInvariant(), name));
        Assert.Same(ReplicationDirectives.ReplicaOf, DirectiveTable.Find("SLAVEOF"));
        Assert.Null(DirectiveTable.Find("frobnicate"));
    }

    [Fact]
    public void EverySettableDirective_IsDescribedInHelp_AndNoOtherIs()
    {
        foreach (Directive directive in DirectiveTable.All)
        {
            Assert.Equal(directive.IsSettable, HelpText.Usage.Contains("  " + directive.Name + " ", StringComparison.Ordinal)
                || HelpText.Usage.Contains(", " + directive.Name + " ", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void ConfigGet_RendersFromTheSource_AndTheHostsValueWins()
    {
        var options = new ReplicatedCacheOptions { RespListen = "[::1]:0", ReplicationTimeout = TimeSpan.FromMilliseconds(1500) };
        var host = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["DIR"] = "/data", ["loglevel"] = "warning" };
        var source = new ConfigSource(options, new Uri("http://10.0.0.1:7000"), [new(TimeSpan.FromSeconds(60), 5)], host, 6390);

        Dictionary<string, string> all = ConfigParameters.All(source).ToDictionary();

        Assert.Equal("::1", all["bind"]);
        Assert.Equal("6390", all["port"]);
        Assert.Equal("2", all["repl-timeout"]); // whole seconds, rounded up
        Assert.Equal("10.0.0.1 7000", all["replicaof"]);
        Assert.Equal("60 5", all["save"]);
        Assert.Equal("/data", all["dir"]);
        Assert.Equal("warning", all["loglevel"]); // only the host knows it
        Assert.False(all.ContainsKey("tls-port"), "an embedded node has no tls-port of its own, and this host recorded none");
        Assert.False(all.ContainsKey("protected-mode"));
    }

    [Fact]
    public void ADirectiveWithOneOption_SetsIt_OnlyWhenALineGivesIt()
    {
        var values = new DirectiveValues();
        var options = new ReplicatedCacheOptions();
        TimeSpan defaultTimeout = options.ReplicationTimeout;
        ReplicationDirectives.ReplTimeout.ApplyToOptions(values, options);
        Assert.Equal(defaultTimeout, options.ReplicationTimeout);

        ReplicationDirectives.ReplTimeout.Apply(new DirectiveArguments(["30"], problem => new InvalidOperationException(problem)), values);
        ReplicationDirectives.ReplTimeout.ApplyToOptions(values, options);
        Assert.Equal(TimeSpan.FromSeconds(30), options.ReplicationTimeout);
    }

    [Fact]
    public void RotationDirectives_SetTheGracePeriodAndTheReloadInterval_AndConfigGetShowsThem()
    {
        var values = new DirectiveValues();
        var options = new ReplicatedCacheOptions();
        ReplicationDirectives.RequirePassGracePeriod.Apply(new DirectiveArguments(["300"], problem => new InvalidOperationException(problem)), values);
        TlsDirectives.ReloadInterval.Apply(new DirectiveArguments(["0"], problem => new InvalidOperationException(problem)), values);
        ReplicationDirectives.RequirePassGracePeriod.ApplyToOptions(values, options);
        TlsDirectives.ReloadInterval.ApplyToOptions(values, options);
        Assert.Equal(TimeSpan.FromMinutes(5), options.AuthTokenGracePeriod);
        Assert.Equal(TimeSpan.Zero, options.Tls.ReloadInterval);

        Assert.Throws<InvalidOperationException>(() => ReplicationDirectives.RequirePassGracePeriod.Apply(new DirectiveArguments(["86401"], problem => new InvalidOperationException(problem)), new DirectiveValues()));
        Assert.Throws<InvalidOperationException>(() => TlsDirectives.ReloadInterval.Apply(new DirectiveArguments(["-1"], problem => new InvalidOperationException(problem)), new DirectiveValues()));

        var source = new ConfigSource(new ReplicatedCacheOptions(), new Uri("http://127.0.0.1:7000"), [], new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase), 6390);
        Dictionary<string, string> all = ConfigParameters.All(source).ToDictionary();
        Assert.Equal("60", all["requirepass-grace-period"]);
        Assert.Equal("10", all["tls-reload-interval"]);
    }

    [Fact]
    public void AValueTheNodeRefuses_IsBlamedOnTheDirectivesThatSetIt_ThenThoseItDependsOn()
    {
        Assert.Equal(["repl-timeout", "repl-ping-replica-period"], DirectiveTable.DirectivesOf(nameof(ReplicatedCacheOptions.ReplicationTimeout)));
        Assert.Equal(["dbfilename", "dir"], DirectiveTable.DirectivesOf(nameof(ReplicatedCacheOptions.SnapshotPath)));
        Assert.Equal(["bind", "port"], DirectiveTable.DirectivesOf(nameof(ReplicatedCacheOptions.Listen)));
        Assert.Empty(DirectiveTable.DirectivesOf("NoSuchOption"));
    }
}
