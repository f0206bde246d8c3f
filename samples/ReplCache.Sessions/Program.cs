// ASP.NET Core session state on ReplCache, three instances behind no sticky routing. One process per instance:
//   --role primary   --http 5200 --repl 7200                     the cache's primary
//   --role secondary --http 5201 --repl 7201 --primary 7200      a secondary that forwards its writes
//   --role load      --instances 5200,5201,5202 [--users 200 --requests 10 --concurrency 16 --offset-token send|withhold]
// The data-protection key ring that protects the session cookie lives in ReplCache too: every instance shares it.
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using ReplCache;
using ReplCache.Sessions;

SessionsSettings settings = SessionsSettings.Parse(args);
if (settings.Role == "load")
{
    return await LoadGenerator.RunAsync(settings);
}

WebApplicationBuilder builder = WebApplication.CreateBuilder();
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.WebHost.UseUrls($"http://127.0.0.1:{settings.HttpPort}");
builder.Services.AddReplicatedCache(o =>
{
    // The cache's own h2c listener; the app's HTTP/1.1 endpoint above stays as it is.
    o.Listen = $"http://127.0.0.1:{settings.ReplicationPort}";
    if (settings.Role == "secondary")
    {
        o.PrimaryAddress = new Uri($"http://127.0.0.1:{settings.PrimaryReplicationPort}");
        // Every instance commits sessions, so a secondary's SetAsync goes to the primary instead of throwing READONLY.
        o.ReplicaWrites = ReplicaWriteMode.ForwardToPrimary;
        // A commit is on the request path: past 2 s the user gets a 503 instead of waiting out the 5 s default.
        o.ForwardedWriteTimeout = TimeSpan.FromSeconds(2);
    }
});

// The session cookie carries the session key protected by data protection. Every instance must unprotect what any
// other protected, so all share one key ring — kept in ReplCache, never evicted nor expired — and one application
// name (the default name is the content root path, which differs between machines).
builder.Services.AddDataProtection()
    .PersistKeysToReplicatedCache()
    .SetApplicationName("ReplCache.Sessions");
builder.Services.AddSession(o => o.Cookie.Name = CartEndpoints.SessionCookieName);
builder.Services.AddHealthChecks().AddReplicatedCache();

WebApplication app = builder.Build();
app.MapHealthChecks("/health", new HealthCheckOptions
{
    // Degraded means a secondary still syncing or without its link: it would fail every forwarded commit, so it is
    // not ready for traffic (the default answers 200 for Degraded).
    ResultStatusCodes =
    {
        [HealthStatus.Healthy] = StatusCodes.Status200OK,
        [HealthStatus.Degraded] = StatusCodes.Status503ServiceUnavailable,
        [HealthStatus.Unhealthy] = StatusCodes.Status503ServiceUnavailable,
    },
});
// Read-your-writes without sticky routing, before the session is loaded: a response to a request that wrote carries
// ReplCache-Position (header and cookie), and a request that brings one waits until this replica has applied it.
app.UseReplicatedCacheConsistency();
app.UseSession();
CartEndpoints.Map(app, settings.HttpPort, settings.Role);
await app.RunAsync();
return 0;
