using System.Text.Json;
using Microsoft.Extensions.Caching.Distributed;

namespace ReplCache.Catalog;

/// <summary>
/// The catalog's HTTP API. Reads are cache-aside over ReplCache; only the writer fills the cache, and every reader
/// sees what it writes through replication, so a reader answers from local memory without a network hop.
/// </summary>
internal static class CatalogEndpoints
{
    private static readonly DistributedCacheEntryOptions Cached = new() { SlidingExpiration = TimeSpan.FromMinutes(10) };

    public static void Map(WebApplication app, string role)
    {
        app.MapGet("/products/{id:int}", async (int id, IDistributedCache cache, IServiceProvider services, HttpContext http) =>
        {
            byte[]? cached = await cache.GetAsync(Key(id), http.RequestAborted);
            if (cached is not null)
            {
                http.Response.Headers["X-Cache"] = "hit";
                return Results.Bytes(cached, "application/json");
            }

            http.Response.Headers["X-Cache"] = "miss";
            Product? product = role == "writer"
                ? await services.GetRequiredService<CatalogDatabase>().FindAsync(id, http.RequestAborted)
                : await services.GetRequiredService<WriterClient>().GetAsync(id, http.RequestAborted); // the writer caches it: it replicates here
            if (product is null)
            {
                return Results.NotFound();
            }

            if (role == "writer")
            {
                await cache.SetAsync(Key(id), JsonSerializer.SerializeToUtf8Bytes(product), Cached, http.RequestAborted);
            }

            return Results.Json(product);
        });

        if (role == "writer")
        {
            app.MapPut("/products/{id:int}", async (int id, ProductChange change, CatalogDatabase database, IDistributedCache cache, CancellationToken cancellationToken) =>
            {
                Product saved = database.Save(id, change.Name, change.Price);
                // Write-through: the new version is in the cache (and on its way to every reader) before the reply.
                await cache.SetAsync(Key(id), JsonSerializer.SerializeToUtf8Bytes(saved), Cached, cancellationToken);
                return Results.Json(saved);
            });
        }
    }

    private static string Key(int id) => $"product:{id}";
}

/// <summary>The body of a PUT.</summary>
internal sealed record ProductChange(string Name, decimal Price);
