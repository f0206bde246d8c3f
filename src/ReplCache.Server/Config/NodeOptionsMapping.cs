using Microsoft.Extensions.Options;
using ReplCache.Hosting;
using ReplCache.Resp.Directives;

namespace ReplCache.Server.Config;

/// <summary>
/// Turns the directives into the node's <see cref="ReplicatedCacheOptions"/>, then validates them as the node will,
/// reporting a rejected value against the directive (and line) that set it. The directives that map onto one option
/// each set it from their <see cref="DirectiveTable"/> entry; this combines the others (bind and port into Listen, ...).
/// </summary>
internal static class NodeOptionsMapping
{
    /// <exception cref="ConfigException">The directives conflict, or the node would refuse an option they set.</exception>
    public static ReplicatedCacheOptions ToOptions(ServerConfig config)
    {
        string host = UriHost.Of(config.BindAddress);
        int port = ListenPort(config);
        var options = new ReplicatedCacheOptions
        {
            // One port for both protocols, as Redis serves replicas and clients on one port: a RespListen naming the
            // Listen endpoint makes the node's one listener serve gRPC replication and RESP clients (redis-cli).
            Listen = $"{(config.Tls ? "https" : "http")}://{host}:{port}",
            RespListen = $"{host}:{port}",
            AnnounceAddress = AnnounceAddress(config, host),
            PrimaryAddress = config.ReplicaOf is { } primary && config.TlsReplication ? WithScheme(primary, Uri.UriSchemeHttps) : config.ReplicaOf,
            AuthToken = AuthToken(config),
            // Always set, as Redis always loads its RDB at start: SAVE works even with no save points.
            SnapshotPath = config.Resolve(config.DbFileName),
            SnapshotSavePoints = [.. config.SavePoints],
            // save "" in Redis means no automatic saves at all, shutdown included (SHUTDOWN SAVE still saves).
            SaveOnStop = config.SavePoints.Count > 0,
            // replica-read-only yes is the only value accepted, which is ReplCache's only mode for a plain replica.
            ReplicaWrites = ReplicaWriteMode.Reject,
            // The server is its own host: no application blocks its thread pool, and every client on the shared port
            // would cost two parked threads on the owned-thread transport (redis-benchmark opens 50). Kestrel's
            // socket transport and Sync over HTTP/2, as Redis serves everything from one event loop.
            ThreadPoolIndependentLinks = false,
        };

        // The directives that map onto one option each (repl-timeout, protected-mode, ...) set it themselves.
        foreach (Directive directive in DirectiveTable.All)
        {
            directive.ApplyToOptions(config.Values, options);
        }

        ApplyTls(config, options.Tls);
        Validate(options, config);
        return options;
    }

    /// <summary>
    /// The one port served: <c>port</c>, or <c>tls-port</c> for TLS. Redis can listen on both at once; ReplCache
    /// serves replication and clients on one port, so asking for both is an error rather than a silent choice.
    /// </summary>
    private static int ListenPort(ServerConfig config)
    {
        if (!config.Tls)
        {
            return config.Port;
        }

        if (config.SetBy.TryGetValue(ListenerDirectives.Port.Name, out ConfigLine? portLine) && config.Port != 0)
        {
            ConfigLine later = Later(portLine, config.SetBy[TlsDirectives.TlsPort.Name]);
            throw new ConfigException(later, $"port {config.Port} and tls-port {config.TlsPort} are both set, but ReplCache serves replication and clients on one port, plain or TLS: for TLS only, set port 0 (as Redis's TLS-only setup); for plain only, remove tls-port");
        }

        return config.TlsPort;
    }

    /// <summary>The tls-* directives. Relative file names are taken from <c>dir</c>, as Redis's after its chdir.</summary>
    private static void ApplyTls(ServerConfig config, ReplicatedCacheTlsOptions tls)
    {
        if (config.Tls && config.TlsCertFile is null)
        {
            throw new ConfigException(config.SetBy[TlsDirectives.TlsPort.Name], "tls-port needs tls-cert-file (the PEM certificate; its key in tls-key-file, or in the same file)");
        }

        tls.CertificatePath = config.TlsCertFile is { } cert ? config.Resolve(cert) : null;
        tls.KeyPath = config.TlsKeyFile is { } key ? config.Resolve(key) : null;
        // Without tls-ca-cert-file, peers' certificates are checked against the system's trust store.
        tls.CaCertificatePath = config.TlsCaCertFile is { } ca ? config.Resolve(ca) : null;
        // Redis's default is tls-auth-clients yes; it only means something on a TLS listener.
        tls.ClientCertificateMode = config.Tls ? config.TlsAuthClients : TlsClientCertificateMode.None;
    }

    private static Uri WithScheme(Uri address, string scheme) => new UriBuilder(address) { Scheme = scheme }.Uri;

    /// <summary>ReplCache has one shared secret for clients and peers alike; Redis's two passwords must agree.</summary>
    private static string? AuthToken(ServerConfig config)
    {
        if (config.RequirePass is { } requirePass && config.MasterAuth is { } masterAuth && requirePass != masterAuth)
        {
            ConfigLine later = Later(config.SetBy[ReplicationDirectives.RequirePass.Name], config.SetBy[ReplicationDirectives.MasterAuth.Name]);
            throw new ConfigException(later, "requirepass and masterauth differ, but ReplCache has one shared secret (every node of a group uses the same): give the same value to both, or only one of them");
        }

        return config.RequirePass ?? config.MasterAuth;
    }

    /// <summary>
    /// Null unless replica-announce-ip/-port is given: the listener then advertises the address it bound (port 0
    /// resolved). With a wildcard bind that is "localhost", which other machines cannot use — set replica-announce-ip.
    /// </summary>
    private static Uri? AnnounceAddress(ServerConfig config, string bindHost)
    {
        if (config.AnnounceIp is null && config.AnnouncePort is null)
        {
            return null;
        }

        ConfigLine line = config.SetBy.GetValueOrDefault(ListenerDirectives.ReplicaAnnounceIp.Name) ?? config.SetBy[ListenerDirectives.ReplicaAnnouncePort.Name];
        string host = config.AnnounceIp ?? bindHost;
        if (config.AnnounceIp is null && (config.BindAddress is "0.0.0.0" or "::"))
        {
            throw new ConfigException(line, "replica-announce-port needs replica-announce-ip when bind is a wildcard: there is no one address to announce");
        }

        int port = config.AnnouncePort ?? (config.Tls ? config.TlsPort : config.Port);
        if (port == 0)
        {
            throw new ConfigException(line, "replica-announce-ip needs a known port: with port 0 (the OS picks) set replica-announce-port too");
        }

        return Uri.TryCreate($"{(config.Tls ? "https" : "http")}://{UriHost.Of(host)}:{port}", UriKind.Absolute, out Uri? uri)
            ? uri
            : throw new ConfigException(line, $"replica-announce-ip '{config.AnnounceIp}' is not a host name or IP address");
    }

    /// <summary>Runs the node's own validation, so a value the node would refuse fails here, named by its directive.</summary>
    private static void Validate(ReplicatedCacheOptions options, ServerConfig config)
    {
        ValidateOptionsResult result = new ReplicatedCacheOptionsValidator().Validate(Options.DefaultName, options);
        if (!result.Failed)
        {
            return;
        }

        const string Prefix = nameof(ReplicatedCacheOptions) + ".";
        string failure = result.Failures!.First();
        string setting = failure.StartsWith(Prefix, StringComparison.Ordinal)
            ? new string([.. failure[Prefix.Length..].TakeWhile(c => char.IsAsciiLetterOrDigit(c) || c == '.')])
            : "";
        IReadOnlyList<string> directives = DirectiveTable.DirectivesOf(setting);
        ConfigLine? line = directives.Select(d => config.SetBy.GetValueOrDefault(d)).Where(l => l is not null).Aggregate((ConfigLine?)null, (a, b) => a is null ? b : Later(a, b!));
        string named = directives.Count == 0 ? "" : $"'{string.Join("' / '", directives)}': ";
        throw new ConfigException(line, $"{named}{failure}", config.File);
    }

    /// <summary>Of two lines, the one applied last: command-line overrides come after every file line.</summary>
    private static ConfigLine Later(ConfigLine a, ConfigLine b) =>
        (a.File is null, b.File is null) switch
        {
            (true, false) => a,
            (false, true) => b,
            _ => a.Number >= b.Number ? a : b,
        };
}
