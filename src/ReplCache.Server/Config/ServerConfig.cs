using Microsoft.Extensions.Logging;

namespace ReplCache.Server.Config;

/// <summary>
/// What a config file and its command-line overrides say, directive by directive, before it becomes
/// <see cref="ReplicatedCacheOptions"/>. Null means "not given": the node option keeps its own default.
/// </summary>
internal sealed class ServerConfig
{
    /// <summary>
    /// Loopback, as the <c>bind 127.0.0.1 -::1</c> that redis.conf ships with — not redis-server's built-in "every
    /// interface", which Redis guards with protected-mode (which ReplCache also has, see <see cref="ProtectedMode"/>).
    /// </summary>
    public const string DefaultBind = "127.0.0.1";

    /// <summary>The snapshot file's default name (Redis's is dump.rdb; ReplCache's format is its own).</summary>
    public const string DefaultDbFileName = "dump.rcs";

    /// <summary>The config file, full path; null when the server runs from command-line options only.</summary>
    public string? File { get; set; }

    /// <summary>The <c>bind</c> line as given (CONFIG GET shows it so).</summary>
    public string BindText { get; set; } = DefaultBind;

    /// <summary>The one address bound: an IP address, <c>0.0.0.0</c>, <c>::</c> or <c>localhost</c>.</summary>
    public string BindAddress { get; set; } = DefaultBind;

    public int Port { get; set; } = 6379;

    /// <summary>As written; resolved against <see cref="Dir"/>.</summary>
    public string? PidFile { get; set; }

    /// <summary>As written; empty: standard output. Resolved against <see cref="Dir"/>.</summary>
    public string LogFile { get; set; } = "";

    public LogLevel LogLevel { get; set; } = LogLevel.Information;

    /// <summary>Full path of the working directory for the relative file names (Redis chdirs there).</summary>
    public string Dir { get; set; } = Directory.GetCurrentDirectory();

    public string DbFileName { get; set; } = DefaultDbFileName;

    /// <summary>Redis's default save points until a <c>save</c> line replaces them.</summary>
    public List<SnapshotSavePoint> SavePoints { get; } = [.. SnapshotSavePoint.RedisDefaults];

    /// <summary>Whether a <c>save</c> line was read: the first one replaces the defaults, later ones add to it (Redis's rule).</summary>
    public bool SaveLineSeen { get; set; }

    public Uri? ReplicaOf { get; set; }

    public string? RequirePass { get; set; }

    public string? MasterAuth { get; set; }

    public long? BacklogSizeBytes { get; set; }

    public bool? ServeStaleData { get; set; }

    /// <summary><c>protected-mode yes|no</c>; null: the node's default (yes).</summary>
    public bool? ProtectedMode { get; set; }

    public int? MinReplicasToWrite { get; set; }

    public int? MinReplicasMaxLagSeconds { get; set; }

    public int? ReplTimeoutSeconds { get; set; }

    public int? PingPeriodSeconds { get; set; }

    public string? AnnounceIp { get; set; }

    public int? AnnouncePort { get; set; }

    /// <summary>Redis's <c>tls-port</c>: the TLS port; 0 or null: none.</summary>
    public int? TlsPort { get; set; }

    /// <summary>Whether the node listens with TLS (a non-zero <c>tls-port</c>).</summary>
    public bool Tls => TlsPort is > 0;

    public string? TlsCertFile { get; set; }

    public string? TlsKeyFile { get; set; }

    public string? TlsKeyFilePass { get; set; }

    public string? TlsCaCertFile { get; set; }

    /// <summary>Redis's <c>tls-replication</c>: a replica connects to its primary over TLS.</summary>
    public bool? TlsReplication { get; set; }

    /// <summary>Redis's <c>tls-auth-clients</c>; null: Redis's default, yes.</summary>
    public TlsClientCertificateMode? TlsAuthClients { get; set; }

    /// <summary>The line that last set each directive, by canonical name, so a later error can point at it.</summary>
    public Dictionary<string, ConfigLine> SetBy { get; } = new(StringComparer.Ordinal);

    /// <summary>The save points as Redis's CONFIG GET save shows them: "3600 1 300 100", or "" for none.</summary>
    public string SaveText => string.Join(' ', SavePoints.Select(p => $"{(long)p.Interval.TotalSeconds} {p.MinChanges}"));

    /// <summary>A path as the server uses it: relative ones are taken from <see cref="Dir"/>, as Redis's after its chdir.</summary>
    public string Resolve(string path) => Path.GetFullPath(path, Dir);
}
