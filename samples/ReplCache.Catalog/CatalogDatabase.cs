using System.Collections.Concurrent;

namespace ReplCache.Catalog;

/// <summary>
/// Stands in for the catalog's database on the writer: every read costs a round trip's worth of time, which is
/// what the cache saves.
/// </summary>
internal sealed class CatalogDatabase
{
    private static readonly TimeSpan QueryLatency = TimeSpan.FromMilliseconds(2);
    private readonly ConcurrentDictionary<int, Product> _products = new();

    public async Task<Product?> FindAsync(int id, CancellationToken cancellationToken)
    {
        await Task.Delay(QueryLatency, cancellationToken); // the simulated database's latency, not a wait for state
        return _products.TryGetValue(id, out Product? product) ? product : null;
    }

    public Product Save(int id, string name, decimal price) =>
        _products.AddOrUpdate(id, _ => new Product(id, name, price, 1), (_, old) => new Product(id, name, price, old.Version + 1));
}
