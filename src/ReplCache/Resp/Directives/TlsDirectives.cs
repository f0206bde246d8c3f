namespace ReplCache.Resp.Directives;

/// <summary>
/// The <c>tls-*</c> directives onto <see cref="ReplicatedCacheTlsOptions"/>. The host resolves their relative file
/// names against <c>dir</c>, as Redis's after its chdir.
/// </summary>
internal static class TlsDirectives
{
    // Declared first: each entry below adds itself to it as it is initialised, so this is their textual order.
    private static readonly List<Directive> s_declared = [];

    /// <summary>In the order Redis's error lists them.</summary>
    private static readonly (string Word, TlsClientCertificateMode Value)[] ClientCertificateModes =
    [
        ("no", TlsClientCertificateMode.None),
        ("yes", TlsClientCertificateMode.Required),
        ("optional", TlsClientCertificateMode.Optional),
    ];

    /// <summary>
    /// The TLS port; 0: none. CONFIG GET shows the bound one, which the host records itself with the <c>port</c> it
    /// decides between.
    /// </summary>
    public static readonly Directive<int> TlsPort = new(s_declared, "tls-port", arity: 2)
    {
        Parse = (a, _) => a.Integer(0, 65535),
        Affects = [$"Tls.{nameof(ReplicatedCacheTlsOptions.CertificatePath)}"],
        Help = """
            tls-port <port>               TLS instead of plain: Listen = https://<bind>:<tls-port> (gRPC over
                                          TLS, h2 by ALPN) and RespListen on the same port over TLS
                                          (redis-cli --tls). One port only: with tls-port, port must be 0 or
                                          absent (Redis would also listen on port; ReplCache refuses both).
                                          tls-port 0 (default): no TLS listener.
            """,
    };

    public static readonly Directive<string?> CertFile = new(s_declared, "tls-cert-file", arity: 2)
    {
        Parse = (a, _) => a.TextOrNull(),
        Sets = [$"Tls.{nameof(ReplicatedCacheTlsOptions.CertificatePath)}"],
        Help = """
            tls-cert-file <path>, tls-key-file <path>, tls-key-file-pass <pw>
                                          Tls.CertificatePath / KeyPath / CertificatePassword: PEM certificate
                                          (intermediates after it) and key (or a .pfx). Needed by tls-port; also
                                          the client certificate a replica presents to its primary.
            """,
    };

    public static readonly Directive<string?> KeyFile = new(s_declared, "tls-key-file", arity: 2)
    {
        Parse = (a, _) => a.TextOrNull(),
        Sets = [$"Tls.{nameof(ReplicatedCacheTlsOptions.KeyPath)}"],
        // Help: with tls-cert-file.
    };

    public static readonly Directive<string?> KeyFilePass = new(s_declared, "tls-key-file-pass", arity: 2)
    {
        Parse = (a, _) => a.TextOrNull(),
        ToOptions = (password, o) => o.Tls.CertificatePassword = password,
        Sets = [$"Tls.{nameof(ReplicatedCacheTlsOptions.CertificatePassword)}"],
        // Help: with tls-cert-file.
    };

    /// <summary>Seconds; 0: never. ReplCache's own: Redis reloads its certificates only on CONFIG SET.</summary>
    public static readonly Directive<int> ReloadInterval = new(s_declared, "tls-reload-interval", arity: 2)
    {
        Parse = (a, _) => a.Integer(0, 86_400),
        ToOptions = (seconds, o) => o.Tls.ReloadInterval = TimeSpan.FromSeconds(seconds),
        Show = s => RedisUnits.Seconds(s.Options.Tls.ReloadInterval),
        Sets = [$"Tls.{nameof(ReplicatedCacheTlsOptions.ReloadInterval)}"],
        Help = """
            tls-reload-interval <secs>    Tls.ReloadInterval: how often the certificate, key and CA files are
                                          looked at; changed files serve new connections, established links
                                          keep theirs. Default 10; 0: never reloaded.
            """,
    };

    /// <summary>Without it, peers' certificates are checked against the system's trust store.</summary>
    public static readonly Directive<string?> CaCertFile = new(s_declared, "tls-ca-cert-file", arity: 2)
    {
        Parse = (a, _) => a.TextOrNull(),
        Sets = [$"Tls.{nameof(ReplicatedCacheTlsOptions.CaCertificatePath)}"],
        Help = """
            tls-ca-cert-file <path>       Tls.CaCertificatePath: the only CAs trusted for peers' certificates
                                          (primary's and clients'). Absent: the system's trust store.
            """,
    };

    /// <summary>Redis's default is yes; it only means something on a TLS listener (the host sets None without one).</summary>
    public static readonly Directive<TlsClientCertificateMode> AuthClients = new(s_declared, "tls-auth-clients", arity: 2)
    {
        Default = TlsClientCertificateMode.Required,
        Parse = (a, _) => a.OneOf(ClientCertificateModes),
        HostShows = mode => RedisUnits.Word(ClientCertificateModes, mode),
        Sets = [$"Tls.{nameof(ReplicatedCacheTlsOptions.ClientCertificateMode)}"],
        Help = """
            tls-auth-clients yes|no|optional       Tls.ClientCertificateMode Required/None/Optional: whether
                                          replicas and redis-cli must present a certificate. Default yes (Redis).
            """,
    };

    /// <summary>A replica connects to its primary over TLS.</summary>
    public static readonly Directive<bool> Replication = new(s_declared, "tls-replication", arity: 2)
    {
        Parse = (a, _) => a.YesNo(),
        ToOptions = (tls, o) => o.Tls.ReplicaOfUsesTls = tls,
        HostShows = RedisUnits.YesNo,
        Sets = [$"Tls.{nameof(ReplicatedCacheTlsOptions.ReplicaOfUsesTls)}"],
        Help = """
            tls-replication yes|no        replicaof connects with https:// (Tls.ReplicaOfUsesTls, also for
                                          REPLICAOF host port sent by a client). Default no.
            """,
    };

    public static IReadOnlyList<Directive> All => s_declared;
}
