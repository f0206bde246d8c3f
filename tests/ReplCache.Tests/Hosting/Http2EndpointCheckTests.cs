using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using ReplCache.Tests.Infrastructure;

namespace ReplCache.Tests.Hosting;

/// <summary>MapReplicatedCache in an app whose endpoints cannot carry gRPC fails fast, saying what to change.</summary>
public class Http2EndpointCheckTests
{
    [Fact]
    public async Task Http1OnlyApp_StopsAtOnce_WithAMessageSayingWhatToChange()
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddFakeLogging();
        builder.WebHost.ConfigureKestrel(k => k.Listen(System.Net.IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http1));
        builder.Services.AddReplicatedCache(_ => { });
        await using WebApplication app = builder.Build();
        app.MapGet("/", () => "the app's own page");
        app.MapReplicatedCache();
        var stopping = new TaskCompletionSource();
        app.Lifetime.ApplicationStopping.Register(() => stopping.TrySetResult());

        await app.StartAsync();
        await stopping.Task.WaitAsync(TimeSpan.FromSeconds(20));

        FakeLogRecord critical = Assert.Single(app.Services.GetFakeLogCollector().GetSnapshot(), r => r.Level == LogLevel.Critical);
        Assert.Contains("none of this app's endpoints speaks HTTP/2", critical.Message, StringComparison.Ordinal);
        Assert.Contains("HttpProtocols.Http2", critical.Message, StringComparison.Ordinal);
        Assert.Contains("ReplicatedCacheOptions.Listen", critical.Message, StringComparison.Ordinal);
        await app.StopAsync();
    }

    [Fact]
    public async Task AppWithAnHttp1EndpointAndAnHttp2One_KeepsRunning()
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddFakeLogging();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(System.Net.IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http1);   // the app's own traffic
            k.Listen(System.Net.IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http2);   // replication
        });
        builder.Services.AddReplicatedCache(o => o.HeartbeatInterval = TimeSpan.FromMilliseconds(200));
        await using WebApplication app = builder.Build();
        app.MapReplicatedCache();
        await app.StartAsync();
        try
        {
            await Poll.UntilAsync(
                () => app.Services.GetFakeLogCollector().GetSnapshot().Any(r => r.Message.StartsWith("ReplCache replication is served over HTTP/2", StringComparison.Ordinal)),
                "the endpoint check to find the HTTP/2 endpoint");
            Assert.False(app.Lifetime.ApplicationStopping.IsCancellationRequested);
            Assert.DoesNotContain(app.Services.GetFakeLogCollector().GetSnapshot(), r => r.Level == LogLevel.Critical);
        }
        finally
        {
            await app.StopAsync();
        }
    }
}
