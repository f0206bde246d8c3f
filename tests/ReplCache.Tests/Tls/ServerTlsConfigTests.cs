using ReplCache.Server.Config;

namespace ReplCache.Tests.Tls;

/// <summary>replcache-server's tls-* directives onto <see cref="ReplicatedCacheTlsOptions"/>, with Redis's semantics where they fit.</summary>
public sealed class ServerTlsConfigTests : IDisposable
{
    private readonly TestPki _pki = new();

    public void Dispose() => _pki.Dispose();

    [Fact]
    public void TlsOnlySetup_PortZeroAndTlsPort_MapsOntoHttpsListenAndTlsResp()
    {
        CertificateFiles files = _pki.Issue("server");
        ReplicatedCacheOptions options = Map($"""
            port 0
            tls-port 6390
            tls-cert-file {Path.GetFileName(files.CertificatePath)}
            tls-key-file {Path.GetFileName(files.KeyPath)}
            tls-ca-cert-file {Path.GetFileName(files.CaPath)}
            """);
        Assert.Equal("https://127.0.0.1:6390", options.Listen);
        Assert.Equal("127.0.0.1:6390", options.RespListen);
        Assert.Null(options.Tls.RespTls); // follows Listen: TLS
        Assert.Equal(files.CertificatePath, options.Tls.CertificatePath); // relative to dir
        Assert.Equal(files.KeyPath, options.Tls.KeyPath);
        Assert.Equal(files.CaPath, options.Tls.CaCertificatePath);
        Assert.Equal(TlsClientCertificateMode.Required, options.Tls.ClientCertificateMode); // Redis's default: tls-auth-clients yes
        Assert.False(options.Tls.ReplicaOfUsesTls);
    }

    [Theory]
    [InlineData("no", TlsClientCertificateMode.None)]
    [InlineData("optional", TlsClientCertificateMode.Optional)]
    [InlineData("yes", TlsClientCertificateMode.Required)]
    public void TlsAuthClients_MapsOntoClientCertificateMode(string value, TlsClientCertificateMode expected)
    {
        CertificateFiles files = _pki.Issue("server");
        ReplicatedCacheOptions options = Map($"tls-port 6390\ntls-cert-file {files.CertificatePath}\ntls-key-file {files.KeyPath}\ntls-auth-clients {value}");
        Assert.Equal(expected, options.Tls.ClientCertificateMode);
    }

    [Fact]
    public void TlsReplication_ConnectsToTheReplicaofPrimaryWithHttps()
    {
        ReplicatedCacheOptions options = Map($"port 0\nreplicaof 127.0.0.1 6379\ntls-replication yes\ntls-ca-cert-file {_pki.CaPath}");
        Assert.Equal(new Uri("https://127.0.0.1:6379"), options.PrimaryAddress);
        Assert.True(options.Tls.ReplicaOfUsesTls);
        Assert.Equal("http://127.0.0.1:0", options.Listen); // its own listener stays plain without tls-port
        Assert.Equal(TlsClientCertificateMode.None, options.Tls.ClientCertificateMode);
    }

    [Fact]
    public void PlainPortAndTlsPort_BothAsked_IsAnErrorSayingWhy()
    {
        CertificateFiles files = _pki.Issue("server");
        ConfigException error = Assert.Throws<ConfigException>(() => Map($"port 6379\ntls-port 6380\ntls-cert-file {files.CertificatePath}\ntls-key-file {files.KeyPath}"));
        Assert.Contains("port 6379 and tls-port 6380 are both set", error.Message, StringComparison.Ordinal);
        Assert.Contains("set port 0", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TlsPortWithoutACertificate_IsAnError()
    {
        ConfigException error = Assert.Throws<ConfigException>(() => Map("port 0\ntls-port 6380"));
        Assert.Contains("tls-port needs tls-cert-file", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingCertificateFile_IsReportedAgainstItsDirective()
    {
        ConfigException error = Assert.Throws<ConfigException>(() => Map("port 0\ntls-port 6380\ntls-cert-file missing.crt"));
        Assert.Contains("'tls-cert-file'", error.Message, StringComparison.Ordinal);
        Assert.Contains("Tls.CertificatePath must name an existing file", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BadTlsAuthClientsValue_IsRefusedAsRedisWordsIt()
    {
        ConfigException error = Assert.Throws<ConfigException>(() => Map("tls-auth-clients maybe"));
        Assert.Contains("must be one of the following: no, yes, optional", error.Message, StringComparison.Ordinal);
    }

    private ReplicatedCacheOptions Map(string text)
    {
        string file = Path.Combine(_pki.Directory, $"redis-{Guid.NewGuid():N}.conf");
        File.WriteAllText(file, $"dir {_pki.Directory}\n{text}\n");
        return NodeOptionsMapping.ToOptions(ServerConfigLoader.Load(CommandLine.Parse([file])));
    }
}
