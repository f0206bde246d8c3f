using Microsoft.Extensions.Logging;
using ReplCache.Resp.Directives;

namespace ReplCache.Server.Config;

/// <summary>
/// What a config file and its command-line overrides say, directive by directive (<see cref="Values"/>, read by the
/// <see cref="DirectiveTable"/> entries), before it becomes <see cref="ReplicatedCacheOptions"/>, and which line said
/// it. The properties are typed views for the host and the mapping; a new directive needs one only if they read it.
/// Null means "not given": the node option keeps its own default.
/// </summary>
internal sealed class ServerConfig
{
    /// <summary>The config file, full path; null when the server runs from command-line options only.</summary>
    public string? File { get; set; }

    /// <summary>What the lines gave, by directive.</summary>
    public DirectiveValues Values { get; } = new();

    /// <summary>The line that last set each directive, by canonical name, so a later error can point at it.</summary>
    public Dictionary<string, ConfigLine> SetBy { get; } = new(StringComparer.Ordinal);

    /// <summary>The <c>bind</c> line as given (CONFIG GET shows it so).</summary>
    public string BindText => Values.Get(ListenerDirectives.Bind).Text;

    /// <summary>The one address bound: an IP address, <c>0.0.0.0</c>, <c>::</c> or <c>localhost</c>.</summary>
    public string BindAddress => Values.Get(ListenerDirectives.Bind).Address;

    public int Port => Values.Get(ListenerDirectives.Port);

    /// <summary>As written; resolved against <see cref="Dir"/>.</summary>
    public string? PidFile => Values.Get(ProcessDirectives.PidFile);

    /// <summary>As written; empty: standard output. Resolved against <see cref="Dir"/>.</summary>
    public string LogFile => Values.Get(ProcessDirectives.LogFile);

    public LogLevel LogLevel => Values.Get(ProcessDirectives.LogLevel);

    /// <summary>Full path of the working directory for the relative file names (Redis chdirs there).</summary>
    public string Dir => Values.Get(PersistenceDirectives.Dir) ?? Directory.GetCurrentDirectory();

    public string DbFileName => Values.Get(PersistenceDirectives.DbFileName);

    /// <summary>Redis's default save points until a <c>save</c> line replaces them.</summary>
    public IReadOnlyList<SnapshotSavePoint> SavePoints => Values.Get(PersistenceDirectives.Save);

    public Uri? ReplicaOf => Values.Get(ReplicationDirectives.ReplicaOf);

    public string? RequirePass => Values.Get(ReplicationDirectives.RequirePass);

    public string? MasterAuth => Values.Get(ReplicationDirectives.MasterAuth);

    public long? BacklogSizeBytes => Given(ReplicationDirectives.BacklogSize);

    public bool? ServeStaleData => Given(ReplicationDirectives.ServeStaleData);

    public int? MinReplicasToWrite => Given(ReplicationDirectives.MinReplicasToWrite);

    public int? MinReplicasMaxLagSeconds => Given(ReplicationDirectives.MinReplicasMaxLag);

    public int? ReplTimeoutSeconds => Given(ReplicationDirectives.ReplTimeout);

    public int? PingPeriodSeconds => Given(ReplicationDirectives.PingPeriod);

    public string? AnnounceIp => Values.Get(ListenerDirectives.ReplicaAnnounceIp);

    public int? AnnouncePort => Values.Get(ListenerDirectives.ReplicaAnnouncePort);

    /// <summary>Redis's <c>tls-port</c>: the TLS port; 0: none.</summary>
    public int TlsPort => Values.Get(TlsDirectives.TlsPort);

    /// <summary>Whether the node listens with TLS (a non-zero <c>tls-port</c>).</summary>
    public bool Tls => TlsPort > 0;

    public string? TlsCertFile => Values.Get(TlsDirectives.CertFile);

    public string? TlsKeyFile => Values.Get(TlsDirectives.KeyFile);

    public string? TlsCaCertFile => Values.Get(TlsDirectives.CaCertFile);

    /// <summary>Redis's <c>tls-replication</c>: a replica connects to its primary over TLS.</summary>
    public bool TlsReplication => Values.Get(TlsDirectives.Replication);

    /// <summary>Redis's <c>tls-auth-clients</c>; Redis's default, yes, when not given.</summary>
    public TlsClientCertificateMode TlsAuthClients => Values.Get(TlsDirectives.AuthClients);

    /// <summary>The save points as Redis's CONFIG GET save shows them: "3600 1 300 100", or "" for none.</summary>
    public string SaveText => RedisUnits.SavePoints(SavePoints);

    /// <summary>A path as the server uses it: relative ones are taken from <see cref="Dir"/>, as Redis's after its chdir.</summary>
    public string Resolve(string path) => Path.GetFullPath(path, Dir);

    private T? Given<T>(Directive<T> directive)
        where T : struct => Values.TryGet(directive, out T value) ? value : null;
}
