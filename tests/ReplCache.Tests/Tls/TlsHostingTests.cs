using System.Collections.Concurrent;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ReplCache.Tests.Infrastructure;

namespace ReplCache.Tests.Tls;

/// <summary>TLS configured from appsettings-style configuration, and the development switch's warning.</summary>
public sealed class TlsHostingTests : IDisposable
{
    private readonly TestPki _pki = new();

    public void Dispose() => _pki.Dispose();

    [Fact]
    public async Task TlsSettings_BindFromConfiguration_AndTheHostedNodeServesTlsSecondaries()
    {
        CertificateFiles files = _pki.Issue("hosted");
        HostApplicationBuilder builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ReplCache:Listen"] = "https://127.0.0.1:0",
            ["ReplCache:HeartbeatInterval"] = "00:00:00.200",
            ["ReplCache:Tls:CertificatePath"] = files.CertificatePath,
            ["ReplCache:Tls:KeyPath"] = files.KeyPath,
            ["ReplCache:Tls:CaCertificatePath"] = files.CaPath,
            ["ReplCache:Tls:ClientCertificateMode"] = "Required",
        });
        builder.Services.AddReplicatedCache(builder.Configuration.GetSection("ReplCache"));
        using IHost host = builder.Build();
        await host.StartAsync();
        try
        {
            IReplicationControl control = host.Services.GetRequiredService<IReplicationControl>();
            Uri address = control.GetInfo().Address!;
            Assert.Equal("https", address.Scheme);
            await using ReplicatedCacheNode secondary = await TlsNodes.StartSecondaryAsync(address, _pki.Issue("secondary"));
            await Poll.UntilAsync(() => secondary.Replication.GetInfo().LinkStatus == PrimaryLinkStatus.Up, "the secondary to sync from the hosted TLS node");
            Assert.Single(control.GetInfo().Replicas);
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [Fact]
    public async Task DevelopmentSwitch_WarnsAtEveryStart()
    {
        var log = new CapturingLoggerProvider();
        using ILoggerFactory loggerFactory = LoggerFactory.Create(b => b.AddProvider(log));
        for (int start = 1; start <= 2; start++)
        {
            ReplicatedCacheOptions options = Nodes.Options(configure: o => o.Tls.AllowUntrustedCertificatesForDevelopment = true);
            await using ReplicatedCacheNode node = await ReplicatedCacheNode.StartAsync(options, loggerFactory);
            Assert.Equal(start, log.Entries.Count(e => e.Level == LogLevel.Warning && e.Message.Contains("AllowUntrustedCertificatesForDevelopment IS SET", StringComparison.Ordinal)));
        }
    }

    private sealed class CapturingLoggerProvider : ILoggerProvider
    {
        public ConcurrentQueue<(LogLevel Level, string Message)> Entries { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(Entries);

        public void Dispose()
        {
        }

        private sealed class Logger(ConcurrentQueue<(LogLevel, string)> entries) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                entries.Enqueue((logLevel, formatter(state, exception)));
        }
    }
}
