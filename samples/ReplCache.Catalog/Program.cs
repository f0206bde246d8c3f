// The catalog service. One process per instance:
//   --role writer --http 5100 --repl 7100                       owns the catalog, caches reads, is the cache's primary
//   --role reader --http 5101 --repl 7101 --writer 5100 --primary 7100   serves reads from its replica of the cache
//   --role load   --instances 5100,5101,5102                    the load generator (see LoadGenerator.cs)
// On several machines (docker-compose.yml, k8s/): --bind 0.0.0.0 --announce <this host> --writer-host <the writer's host>.
using ReplCache.Catalog;

var settings = CatalogSettings.Parse(args);
if (settings.Role == "load")
{
    return await LoadGenerator.RunAsync(settings);
}

WebApplicationBuilder builder = WebApplication.CreateBuilder();
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.WebHost.UseUrls($"http://{settings.Bind}:{settings.HttpPort}");
builder.Services.AddReplicatedCache(o =>
{
    // The cache's own h2c listener; the app's HTTP/1.1 endpoint above stays as it is.
    o.Listen = $"http://{settings.Bind}:{settings.ReplicationPort}";
    o.AnnounceAddress = settings.Announce is { } host ? new Uri($"http://{host}:{settings.ReplicationPort}") : null;
    o.PrimaryAddress = settings.Role == "reader" ? new Uri($"http://{settings.WriterHost}:{settings.PrimaryReplicationPort}") : null;
});
builder.Services.AddHealthChecks().AddReplicatedCache();
if (settings.Role == "writer")
{
    builder.Services.AddSingleton<CatalogDatabase>();
}
else
{
    builder.Services.AddHttpClient<WriterClient>(c => c.BaseAddress = new Uri($"http://{settings.WriterHost}:{settings.WriterHttpPort}"));
}

WebApplication app = builder.Build();
app.MapHealthChecks("/health");
CatalogEndpoints.Map(app, settings.Role);
await app.RunAsync();
return 0;
