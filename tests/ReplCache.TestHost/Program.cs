// Modes (each runs until killed or stdin closes):
//   save-loop <snapshot path> <keys>   fill a node, then change keys and save again and again, printing "saved <n> <digest>"
//   sentinel-app <node port> <app port> <sentinel host:port,...> <service>
//                                      an ASP.NET app with an embedded node that asks the Sentinels whom to follow and
//                                      forwards its writes; HTTP on the app port: PUT/GET /kv/{key}, GET /role
using System.Globalization;
using Microsoft.Extensions.Caching.Distributed;
using ReplCache;
using ReplCache.TestHost;

if (args.Length == 5 && args[0] == "sentinel-app")
{
    return await SentinelApp.RunAsync(int.Parse(args[1], CultureInfo.InvariantCulture), int.Parse(args[2], CultureInfo.InvariantCulture), args[3].Split(','), args[4]);
}

if (args.Length < 3 || args[0] != "save-loop")
{
    Console.Error.WriteLine("usage: ReplCache.TestHost save-loop <snapshot path> <keys> | sentinel-app <node port> <app port> <sentinels> <service>");
    return 2;
}

string path = args[1];
int keys = int.Parse(args[2], CultureInfo.InvariantCulture);
await using ReplicatedCacheNode node = await ReplicatedCacheNode.StartAsync(new ReplicatedCacheOptions { Listen = "http://127.0.0.1:0", SnapshotPath = path });
byte[] value = new byte[100];
for (int i = 0; i < keys; i++)
{
    node.Cache.Set($"k{i}", value, new DistributedCacheEntryOptions());
}

for (int round = 0; round < 100_000; round++)
{
    node.Cache.SetString($"k{round % keys}", $"round {round}");
    await node.SaveAsync();
    Console.WriteLine($"saved {round} {node.Cache.GetDigest()}");
}

return 0;
