// ReplCache under Native AOT: a primary (a standalone node) and a secondary (a generic host, its options bound from
// configuration by the source generator) in one process, on 127.0.0.1 with ports the OS picks. Writes a key on the
// primary, waits (bounded) until the secondary has it, and exits 0; 1 when it never arrives or the full sync was not
// traced (an ActivityListener on the ReplCache source: tracing works under AOT too).
using System.Diagnostics;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ReplCache;

var clock = Stopwatch.StartNew();
int syncSpans = 0;
using var listener = new ActivityListener
{
    ShouldListenTo = source => source.Name == ReplCacheInstruments.ActivitySourceName,
    Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
    ActivityStopped = span => { if (span.OperationName == ReplCacheSpans.FullSyncReceive) { Interlocked.Increment(ref syncSpans); } },
};
ActivitySource.AddActivityListener(listener);
await using ReplicatedCacheNode primary = await ReplicatedCacheNode.StartAsync(new ReplicatedCacheOptions { Listen = "http://127.0.0.1:0" });

HostApplicationBuilder builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
{
    ["ReplCache:Listen"] = "http://127.0.0.1:0",
    ["ReplCache:PrimaryAddress"] = primary.Address.ToString(),
    ["ReplCache:HeartbeatInterval"] = "00:00:00.200",
});
builder.Services.AddReplicatedCache(builder.Configuration.GetSection("ReplCache"));
using IHost secondary = builder.Build();
await secondary.StartAsync();
var replica = secondary.Services.GetRequiredService<IDistributedCache>();

primary.Cache.SetString("greeting", "hello from the primary");
string? seen = await ReplicatedAsync(replica, "greeting", TimeSpan.FromSeconds(30));
Console.WriteLine(seen is null
    ? $"the secondary did not receive the key within 30 s ({clock.ElapsedMilliseconds} ms)"
    : $"the secondary read '{seen}' {clock.ElapsedMilliseconds} ms after start ({(System.Runtime.CompilerServices.RuntimeFeature.IsDynamicCodeSupported ? "JIT" : "Native AOT")}; {Volatile.Read(ref syncSpans)} full sync traced)");
await secondary.StopAsync();
return seen is not null && Volatile.Read(ref syncSpans) == 1 ? 0 : 1;

// Polls with a deadline: replication is asynchronous, and every loop here is bounded.
static async Task<string?> ReplicatedAsync(IDistributedCache cache, string key, TimeSpan timeout)
{
    var waited = Stopwatch.StartNew();
    while (waited.Elapsed < timeout)
    {
        if (await cache.GetStringAsync(key) is { } value)
        {
            return value;
        }

        await Task.Delay(10);
    }

    return null;
}
