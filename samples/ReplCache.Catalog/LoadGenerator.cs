using System.Diagnostics;
using System.Net.Http.Json;

namespace ReplCache.Catalog;

/// <summary>
/// Seeds the catalog through the writer, then measures what the cache buys: read throughput against the writer alone
/// and against every instance, and how soon a write on the writer is visible on a reader.
/// </summary>
internal static class LoadGenerator
{
    private const int Concurrency = 32;
    private const int LagSamples = 200;

    public static async Task<int> RunAsync(CatalogSettings settings)
    {
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = Concurrency, PooledConnectionLifetime = TimeSpan.FromMinutes(5) });
        Uri[] instances = [.. settings.Instances.Select(p => new Uri($"http://127.0.0.1:{p}"))];
        Uri writer = instances[0];

        Console.WriteLine($"seeding {settings.Products} products through the writer at {writer}");
        for (int id = 0; id < settings.Products; id++)
        {
            using HttpResponseMessage put = await http.PutAsJsonAsync(new Uri(writer, $"/products/{id}"), new ProductChange($"product {id}", 10 + id % 90));
            put.EnsureSuccessStatusCode();
        }

        (double alone, double aloneHits) = await ReadThroughputAsync(http, [writer], settings);
        Console.WriteLine($"reads, writer alone:          {alone,10:N0} req/s   ({aloneHits:P1} cache hits)");
        (double all, double allHits) = await ReadThroughputAsync(http, instances, settings);
        Console.WriteLine($"reads, {instances.Length} instances round-robin: {all,10:N0} req/s   ({allHits:P1} cache hits)");
        if (instances.Length > 1)
        {
            (double p50, double p99, double max) = await WriteToReadLagAsync(http, writer, instances[1]);
            Console.WriteLine($"write on the writer -> visible on a reader, over HTTP: p50 {p50:F2} ms, p99 {p99:F2} ms, max {max:F2} ms ({LagSamples} writes)");
        }

        return 0;
    }

    private static async Task<(double RequestsPerSecond, double HitRatio)> ReadThroughputAsync(HttpClient http, Uri[] instances, CatalogSettings settings)
    {
        long requests = 0, hits = 0;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, Concurrency).Select(async worker =>
        {
            var random = new Random(worker);
            long mine = 0, myHits = 0;
            while (clock.Elapsed < settings.Duration)
            {
                Uri instance = instances[(int)(mine % instances.Length)];
                using HttpResponseMessage response = await http.GetAsync(new Uri(instance, $"/products/{random.Next(settings.Products)}"));
                response.EnsureSuccessStatusCode();
                mine++;
                if (response.Headers.TryGetValues("X-Cache", out IEnumerable<string>? cache) && cache.First() == "hit")
                {
                    myHits++;
                }
            }

            Interlocked.Add(ref requests, mine);
            Interlocked.Add(ref hits, myHits);
        }));
        return (requests / clock.Elapsed.TotalSeconds, requests == 0 ? 0 : (double)hits / requests);
    }

    private static async Task<(double P50, double P99, double Max)> WriteToReadLagAsync(HttpClient http, Uri writer, Uri reader)
    {
        var lags = new List<double>(LagSamples);
        for (int i = 0; i < LagSamples; i++)
        {
            using HttpResponseMessage put = await http.PutAsJsonAsync(new Uri(writer, "/products/0"), new ProductChange("changing", i));
            Product written = (await put.Content.ReadFromJsonAsync<Product>())!;
            var clock = Stopwatch.StartNew();
            while (true)
            {
                Product? seen = await http.GetFromJsonAsync<Product>(new Uri(reader, "/products/0"));
                if (seen!.Version >= written.Version)
                {
                    break;
                }

                if (clock.Elapsed > TimeSpan.FromSeconds(5))
                {
                    throw new TimeoutException($"version {written.Version} did not reach the reader within 5 s");
                }
            }

            lags.Add(clock.Elapsed.TotalMilliseconds);
        }

        lags.Sort();
        return (lags[lags.Count / 2], lags[(int)(lags.Count * 0.99)], lags[^1]);
    }
}
