using System.Globalization;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;
using static System.FormattableString;

namespace ReplCache.Resp;

/// <summary>
/// The text of INFO: Redis's sections and field names, so tools that parse INFO (redis-cli, exporters, Sentinel-
/// style scripts) read ours. We claim a Redis version whose commands and replies we follow, and name our own.
/// </summary>
internal static class ServerInfo
{
    /// <summary>The Redis version whose protocol behaviour this endpoint copies.</summary>
    public const string RedisVersion = "7.0.15";

    /// <summary>Sections INFO shows with no argument (and with <c>default</c>); <c>all</c> and <c>everything</c> show them all.</summary>
    private static readonly string[] Sections = ["server", "clients", "memory", "stats", "replication", "keyspace"];

    public static string ReplCacheVersion { get; } =
        typeof(ServerInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(ServerInfo).Assembly.GetName().Version?.ToString()
        ?? "0";

    /// <summary>Builds INFO for the requested sections (case-insensitive; unknown ones are left out, as in Redis).</summary>
    public static string Build(RespServer server, IReadOnlyCollection<string> requested)
    {
        var wanted = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        if (requested.Count == 0)
        {
            wanted.UnionWith(Sections);
        }

        foreach (string name in requested)
        {
            if (name.Equals("all", StringComparison.OrdinalIgnoreCase) || name.Equals("everything", StringComparison.OrdinalIgnoreCase)
                || name.Equals("default", StringComparison.OrdinalIgnoreCase))
            {
                wanted.UnionWith(Sections);
            }
            else
            {
                wanted.Add(name);
            }
        }

        var text = new StringBuilder(2048);
        foreach (string section in Sections)
        {
            if (!wanted.Contains(section))
            {
                continue;
            }

            if (text.Length > 0)
            {
                text.Append("\r\n");
            }

            switch (section)
            {
                case "server": Server(text, server); break;
                case "clients": Clients(text, server); break;
                case "memory": Memory(text, server); break;
                case "stats": Stats(text, server); break;
                case "replication": text.Append(server.Replication.GetInfo().ToInfoString()); break;
                case "keyspace": Keyspace(text, server); break;
            }
        }

        return text.ToString();
    }

    /// <summary>Redis's <c>bytesToHuman</c>: 1023B, 1.00K, 2.50M, ...</summary>
    public static string Human(long bytes)
    {
        string[] units = ["K", "M", "G", "T", "P"];
        if (bytes < 1024)
        {
            return Invariant($"{bytes}B");
        }

        double value = bytes;
        int unit = -1;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }

        return value.ToString("F2", CultureInfo.InvariantCulture) + units[unit];
    }

    private static void Server(StringBuilder text, RespServer server)
    {
        long uptime = (long)server.State.Uptime.TotalSeconds;
        Line(text, "# Server");
        Line(text, "redis_version:" + RedisVersion);
        Line(text, "replcache_version:" + ReplCacheVersion);
        Line(text, "redis_mode:standalone");
        Line(text, "os:" + RuntimeInformation.OSDescription.Replace('\r', ' ').Replace('\n', ' '));
        Line(text, Invariant($"arch_bits:{IntPtr.Size * 8}"));
        Line(text, "runtime:" + RuntimeInformation.FrameworkDescription);
        Line(text, Invariant($"process_id:{Environment.ProcessId}"));
        Line(text, "run_id:" + server.RunId);
        Line(text, Invariant($"tcp_port:{server.EndPoint?.Port ?? 0}"));
        Line(text, Invariant($"uptime_in_seconds:{uptime}"));
        Line(text, Invariant($"uptime_in_days:{uptime / 86400}"));
        Line(text, "hz:10");
        Line(text, "executable:" + Environment.ProcessPath);
    }

    private static void Clients(StringBuilder text, RespServer server)
    {
        Line(text, "# Clients");
        Line(text, Invariant($"connected_clients:{server.ConnectedClients}"));
        Line(text, Invariant($"blocked_clients:{server.BlockedClients}"));
    }

    private static void Memory(StringBuilder text, RespServer server)
    {
        // used_memory is what the store accounts for its entries (what SizeLimitBytes bounds); the process as a
        // whole, runtime included, is used_memory_rss.
        long used = server.Store.SizeBytes;
        long rss = Environment.WorkingSet;
        long max = server.Options.SizeLimitBytes ?? 0;
        Line(text, "# Memory");
        Line(text, Invariant($"used_memory:{used}"));
        Line(text, "used_memory_human:" + Human(used));
        Line(text, Invariant($"used_memory_rss:{rss}"));
        Line(text, "used_memory_rss_human:" + Human(rss));
        Line(text, Invariant($"used_memory_managed_heap:{GC.GetTotalMemory(forceFullCollection: false)}"));
        Line(text, Invariant($"maxmemory:{max}"));
        Line(text, "maxmemory_human:" + Human(max));
        Line(text, "maxmemory_policy:" + (max > 0 ? "allkeys-lru" : "noeviction"));
    }

    private static void Stats(StringBuilder text, RespServer server)
    {
        ReplicationInfo info = server.Replication.GetInfo();
        Line(text, "# Stats");
        Line(text, Invariant($"total_connections_received:{server.TotalConnections}"));
        Line(text, Invariant($"total_commands_processed:{server.TotalCommands}"));
        Line(text, Invariant($"keyspace_hits:{server.KeyspaceHits}"));
        Line(text, Invariant($"keyspace_misses:{server.KeyspaceMisses}"));
        Line(text, Invariant($"pubsub_channels:{server.PubSub.ChannelCount}"));
        Line(text, Invariant($"pubsub_patterns:{server.PubSub.PatternCount}"));
        Line(text, Invariant($"expired_keys:{server.Store.Expirations}"));
        Line(text, Invariant($"evicted_keys:{server.Store.Evictions}"));
        Line(text, Invariant($"sync_full:{info.FullSyncs}"));
        Line(text, Invariant($"sync_partial_ok:{info.PartialSyncsAccepted}"));
        Line(text, Invariant($"sync_partial_err:{info.PartialSyncsRejected}"));
    }

    private static void Keyspace(StringBuilder text, RespServer server)
    {
        Line(text, "# Keyspace");
        (long keys, long expiring) = server.Store.CountLiveAndExpiring();
        if (keys > 0)
        {
            Line(text, Invariant($"db0:keys={keys},expires={expiring},avg_ttl=0"));
        }
    }

    private static void Line(StringBuilder text, string line) => text.Append(line).Append("\r\n");
}
