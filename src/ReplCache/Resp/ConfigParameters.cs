using System.Globalization;
using ReplCache.Storage;

namespace ReplCache.Resp;

/// <summary>
/// CONFIG GET: the node's options under Redis's directive names and in Redis's units (seconds, bytes, yes/no),
/// complemented and overridden by the host program's own settings (<c>HostSettings</c>: pidfile, dir, ...).
/// </summary>
internal static class ConfigParameters
{
    /// <summary>Every parameter and its value, in a stable order.</summary>
    public static List<KeyValuePair<string, string>> All(RespServer server)
    {
        ReplicatedCacheOptions o = server.Options;
        string? snapshot = o.SnapshotPath;
        Uri? primary = server.Replication.GetInfo().PrimaryAddress;
        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["bind"] = Host(o.RespListen) ?? "",
            ["port"] = Number(server.EndPoint?.Port ?? 0),
            ["pidfile"] = "",
            ["logfile"] = "",
            ["dir"] = snapshot is null ? Environment.CurrentDirectory : Path.GetDirectoryName(Path.GetFullPath(snapshot)) ?? "",
            ["dbfilename"] = snapshot is null ? "" : Path.GetFileName(snapshot),
            ["save"] = string.Join(' ', Persistence.SnapshotSchedule.SavePoints(server.Options).Select(p => $"{Seconds(p.Interval)} {Number(p.MinChanges)}")),
            ["replicaof"] = primary is null ? "" : $"{primary.Host} {Number(primary.Port)}",
            // Redis shows these to a client that passed AUTH; every client here did, when one is set.
            ["requirepass"] = o.AuthToken ?? "",
            ["masterauth"] = o.AuthToken ?? "",
            ["repl-backlog-size"] = Number(o.BacklogSizeBytes),
            // Writes from Redis clients are READONLY on every secondary; ForwardToPrimary forwards only the cache API's.
            ["replica-read-only"] = "yes",
            ["replica-serve-stale-data"] = YesNo(o.ServeStaleData),
            ["min-replicas-to-write"] = Number(o.MinReplicasToWrite),
            ["min-replicas-max-lag"] = Seconds(o.MinReplicasMaxLag),
            ["repl-timeout"] = Seconds(o.ReplicationTimeout),
            ["repl-ping-replica-period"] = Seconds(o.HeartbeatInterval),
            ["maxmemory"] = Number(o.SizeLimitBytes ?? 0),
            ["maxmemory-policy"] = o.SizeLimitBytes is null ? "noeviction" : "allkeys-lru",
            ["daemonize"] = "no",
            // Asked for by redis-benchmark at start; there is no append-only file and no idle-client timeout.
            ["appendonly"] = "no",
            ["timeout"] = "0",
            ["databases"] = "1",
        };
        foreach (KeyValuePair<string, string> setting in server.HostSettings)
        {
            values[setting.Key.ToLowerInvariant()] = setting.Value;
        }

        return [.. values];
    }

    /// <summary>The parameters matching any of the globs (case-insensitive, as Redis's CONFIG GET), each once.</summary>
    public static List<KeyValuePair<string, string>> Matching(RespServer server, IEnumerable<string> globs)
    {
        KeyPattern[] patterns = [.. globs.Select(g => new KeyPattern(g.ToLowerInvariant()))];
        return All(server).Where(p => patterns.Any(g => g.IsMatch(p.Key))).ToList();
    }

    private static string? Host(string? hostAndPort)
    {
        if (hostAndPort is null)
        {
            return null;
        }

        int colon = hostAndPort.LastIndexOf(':');
        return (colon > 0 ? hostAndPort[..colon] : hostAndPort).Trim('[', ']');
    }

    /// <summary>Whole seconds, rounded up so that a sub-second setting does not read as "disabled" (0).</summary>
    private static string Seconds(TimeSpan span) => Number((long)Math.Ceiling(span.TotalSeconds));

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string YesNo(bool value) => value ? "yes" : "no";
}
