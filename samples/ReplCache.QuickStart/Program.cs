// A primary and two secondaries in one process, on 127.0.0.1 with ports the OS picks:
// write on the primary, wait until both secondaries acknowledge, read everywhere, print INFO replication.
using Microsoft.Extensions.Caching.Distributed;
using ReplCache;

await using ReplicatedCacheNode primary = await ReplicatedCacheNode.StartAsync(new ReplicatedCacheOptions { Listen = "http://127.0.0.1:0" });
primary.Cache.SetString("k1", "v1");

await using ReplicatedCacheNode first = await ReplicatedCacheNode.StartAsync(new ReplicatedCacheOptions { Listen = "http://127.0.0.1:0", PrimaryAddress = primary.Address });
await using ReplicatedCacheNode second = await ReplicatedCacheNode.StartAsync(new ReplicatedCacheOptions { Listen = "http://127.0.0.1:0", PrimaryAddress = primary.Address });

primary.Cache.SetString("k2", "v2", new DistributedCacheEntryOptions { SlidingExpiration = TimeSpan.FromMinutes(5) });
int acknowledged = await primary.Replication.WaitForReplicasAsync(2, TimeSpan.FromSeconds(10));
Console.WriteLine($"{acknowledged} secondaries acknowledged every write");

foreach ((string name, ReplicatedCacheNode node) in new[] { ("primary", primary), ("secondary 1", first), ("secondary 2", second) })
{
    Console.WriteLine($"--- {name} at {node.Address}: keys [{string.Join(", ", node.Cache.GetKeys().Order())}], k2={node.Cache.GetString("k2")}");
    Console.Write(node.Replication.GetInfo().ToInfoString());
}

try
{
    first.Cache.SetString("k3", "v3");
}
catch (ReadOnlyReplicaException ex)
{
    Console.WriteLine($"writing on a secondary: {ex.Message}");
}

return acknowledged == 2 && first.Cache.GetDigest() == primary.Cache.GetDigest() && second.Cache.GetDigest() == primary.Cache.GetDigest() ? 0 : 1;
