using ReplCache.Server.Config;

namespace ReplCache.Tests.Server;

/// <summary>CONFIG REWRITE's text: Redis's rules (keep every line, rewrite a changed directive in place, append the rest under its marker).</summary>
public sealed class ConfigRewriterTests
{
    private static Dictionary<string, string?> Values(string? replicaOf, string priority = "100") => new(StringComparer.Ordinal)
    {
        ["replicaof"] = replicaOf,
        ["replica-priority"] = priority,
    };

    [Fact]
    public void APromotedSecondary_LosesItsReplicaofLine_AndKeepsEveryOtherLine()
    {
        string before = "# my server\nport 7001\nreplicaof 127.0.0.1 7000\n\n# persistence\ndbfilename dump.rdb\n";
        string after = ConfigRewriter.Rewrite(before, Values(null), Values("127.0.0.1 7000"));
        Assert.Equal("# my server\nport 7001\n\n# persistence\ndbfilename dump.rdb\n", after);
    }

    [Fact]
    public void ANewPrimaryAddress_ReplacesTheFirstLine_InPlace_UnderItsCanonicalName_AndDropsLaterOnes()
    {
        string before = "port 7001\nslaveof 127.0.0.1 7000\nappendonly no\nreplicaof 127.0.0.1 7009\n";
        string after = ConfigRewriter.Rewrite(before, Values("127.0.0.1 7002"), Values("127.0.0.1 7009"));
        Assert.Equal("port 7001\nreplicaof 127.0.0.1 7002\nappendonly no\n", after);
    }

    [Fact]
    public void AChangeTheFileDoesNotMention_IsAppendedUnderRedisMarker_Once()
    {
        string before = "port 7001\n";
        string once = ConfigRewriter.Rewrite(before, Values("127.0.0.1 7002", "7"), Values(null));
        Assert.Equal($"port 7001\n{ConfigRewriter.GeneratedMarker}\nreplicaof 127.0.0.1 7002\nreplica-priority 7\n", once);

        // Rewritten again: the appended lines are now the file's own, rewritten in place; no second marker.
        string twice = ConfigRewriter.Rewrite(once, Values("127.0.0.1 7003", "7"), Values(null));
        Assert.Equal($"port 7001\n{ConfigRewriter.GeneratedMarker}\nreplicaof 127.0.0.1 7003\nreplica-priority 7\n", twice);
    }

    [Fact]
    public void AValueStillAsAtStart_IsNotAppended_AndCrLfFilesStayCrLf()
    {
        string before = "port 7001\r\n# note\r\n";
        Assert.Equal(before, ConfigRewriter.Rewrite(before, Values(null), Values(null)));
        Assert.Equal("port 7001\r\n# note\r\n" + ConfigRewriter.GeneratedMarker + "\r\nreplica-priority 0\r\n",
            ConfigRewriter.Rewrite(before, Values(null, "0"), Values(null)));
    }

    [Fact]
    public void RewrittenDirectives_AreReplicaofAndEveryRuntimeOne()
    {
        Assert.Equal(
            ["replicaof", "requirepass", "masterauth", "repl-backlog-ttl", "replica-serve-stale-data", "replica-priority", "min-replicas-to-write", "replica-announced", "min-replicas-max-lag"],
            ConfigRewriter.Rewritten.Select(d => d.Name));
    }
}
