using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using Microsoft.Extensions.Caching.Distributed;
using ReplCache.Replication;

namespace ReplCache.Benchmarks;

/// <summary>
/// Replication lag at a steady write rate (<see cref="LagMeter"/>), the same way for ReplCache and Redis: a write on
/// the primary, then the time until it is visible on a secondary. The watcher blocks until the secondary reports an
/// applied write — ReplCache's apply path announcing a key, Redis's keyspace notification on the replica — and for
/// ReplCache then reads the value back to check it; nothing polls in a loop.
/// </summary>
internal static class LagBench
{
    public static readonly TimeSpan UnseenAfter = TimeSpan.FromSeconds(5);
    private const int KeyCount = 1000;
    private static readonly string[] Keys = Enumerable.Range(0, KeyCount).Select(i => $"lag:{i}").ToArray();

    /// <summary>
    /// Writes at the bench's rate until the JIT has gone quiet: a second of writes that compiles fewer than
    /// <paramref name="quietMethods"/> methods, at most <paramref name="maxSeconds"/> seconds.
    /// </summary>
    /// <remarks>
    /// The nodes stand for a long-running host, whose hot paths reached their optimised code long ago. A fixed
    /// warm-up of a second was not enough on 2 cores: tiered compilation was still recompiling about 1,200 methods
    /// during the next 3-second run, at about 50 µs of the JIT's CPU per write, time the nodes did not get. Redis has
    /// no JIT to wait for.
    /// </remarks>
    /// <returns>How long the warm-up wrote.</returns>
    public static async Task<TimeSpan> WarmUpAsync(int writesPerSecond, int quietMethods = 20, int maxSeconds = 60)
    {
        await using ReplCacheRig rig = await ReplCacheRig.StartAsync(secondaries: 2);

        // Each round is the meter's first second of writes, which it does not record.
        (TimeSpan took, _) = await JitWarmUp.UntilQuietAsync(() => rig.MeasureAsync(writesPerSecond, samples: 0), quietMethods, maxSeconds);
        return took;
    }

    public static async Task<LagFigures> ReplCacheAsync(int writesPerSecond, int samples)
    {
        // The phases before this one (a throughput run of millions of writes) leave a heap of garbage whose gen-2
        // collection would otherwise land in the middle of the measurement, as BenchmarkDotNet also avoids.
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        await using ReplCacheRig rig = await ReplCacheRig.StartAsync(secondaries: 2);
        return await rig.MeasureAsync(writesPerSecond, samples);
    }

    /// <param name="servers">Every server of the group, whose CPU time the figures report.</param>
    public static async Task<LagFigures> RedisAsync(RedisPeer primary, RedisPeer replica, IReadOnlyList<RedisPeer> servers, int writesPerSecond, int samples)
    {
        using RespClient writer = primary.Connect();
        using RespClient subscriber = replica.Connect();
        using (RespClient config = replica.Connect())
        {
            config.Call("CONFIG", "SET", "notify-keyspace-events", "K$"); // keyspace events of string commands
        }

        const string Channel = "__keyspace@0__:";
        subscriber.Call("PSUBSCRIBE", Channel + "lag:*");
        string pad = new('x', 80);
        int notified = 0;
        return await LagMeter.MeasureAsync(writesPerSecond, samples,
            i => writer.Call("SET", Keys[i % KeyCount], $"{i + 1}:{pad}"),
            (i, deadline) =>
            {
                // The replica applies the SETs in order and publishes one notification each: the n-th is write n.
                while (notified <= i)
                {
                    TimeSpan left = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), deadline);
                    if (left <= TimeSpan.Zero || subscriber.Receive(left) is not { } message)
                    {
                        return false;
                    }

                    string[] parts = message.Split('\n');
                    if (parts.Length != 4 || parts[0] != "pmessage" || parts[3] != "set")
                    {
                        continue;
                    }

                    if (parts[2] != Channel + Keys[notified % KeyCount])
                    {
                        throw new InvalidOperationException($"Redis notified {parts[2]} where the bench expected write {notified}.");
                    }

                    notified++;
                }

                return true;
            },
            UnseenAfter,
            () => servers.Aggregate(TimeSpan.Zero, (sum, server) => sum + server.ProcessorTime));
    }

    /// <summary>A ReplCache primary with secondaries on loopback, and a way to wait for writes on the first of them.</summary>
    internal sealed class ReplCacheRig : IAsyncDisposable, IAppliedKeyObserver
    {
        private readonly ReplicatedCacheNode _primary;
        private readonly List<ReplicatedCacheNode> _secondaries;
        private readonly IDisposable _subscription;

        // Set by the secondary's apply loop on every applied key, waited on by the watcher. No spinning before it
        // blocks (spinCount 0): the watcher must not take a core from the apply loop it waits for.
        private readonly ManualResetEventSlim _applied = new(initialState: false, spinCount: 0);

        // Stamps go on rising from run to run on the same nodes: a key still holding an earlier run's value must not
        // look like this run's write.
        private long _stampBase;

        private ReplCacheRig(ReplicatedCacheNode primary, List<ReplicatedCacheNode> secondaries)
        {
            _primary = primary;
            _secondaries = secondaries;
            _subscription = secondaries[0].Core.AppliedKeys.Observe(this);
        }

        /// <param name="secondaries">How many secondaries follow the primary.</param>
        /// <param name="threadPoolIndependentLinks">Every node's <see cref="ReplicatedCacheOptions.ThreadPoolIndependentLinks"/>; null: the library's default.</param>
        public static async Task<ReplCacheRig> StartAsync(int secondaries, bool? threadPoolIndependentLinks = null)
        {
            bool independent = threadPoolIndependentLinks ?? new ReplicatedCacheOptions().ThreadPoolIndependentLinks;
            ReplicatedCacheNode primary = await ReplicatedCacheNode.StartAsync(new ReplicatedCacheOptions { Listen = "http://127.0.0.1:0", ThreadPoolIndependentLinks = independent });
            var nodes = new List<ReplicatedCacheNode>();
            for (int i = 0; i < secondaries; i++)
            {
                nodes.Add(await ReplicatedCacheNode.StartAsync(new ReplicatedCacheOptions { Listen = "http://127.0.0.1:0", PrimaryAddress = primary.Address, ThreadPoolIndependentLinks = independent }));
            }

            if (await primary.Replication.WaitForReplicasAsync(secondaries, TimeSpan.FromSeconds(30)) != secondaries)
            {
                throw new InvalidOperationException("The secondaries did not connect.");
            }

            return new ReplCacheRig(primary, nodes);
        }

        /// <summary>Lag on the first secondary, measured from threads of the bench's own.</summary>
        public Task<LagFigures> MeasureAsync(int writesPerSecond, int samples)
        {
            (Action<int> write, Func<int, long, bool> waitVisible) = Drive();
            // The whole process: the nodes, and the bench's writer and watcher (which block while they wait).
            return LagMeter.MeasureAsync(writesPerSecond, samples, write, waitVisible, UnseenAfter, static () => Process.GetCurrentProcess().TotalProcessorTime);
        }

        /// <summary>The same on the calling thread, which must not be a thread-pool thread.</summary>
        public LagFigures Measure(int writesPerSecond, int samples)
        {
            (Action<int> write, Func<int, long, bool> waitVisible) = Drive();
            return LagMeter.Measure(writesPerSecond, samples, write, waitVisible, UnseenAfter);
        }

        private (Action<int> Write, Func<int, long, bool> WaitVisible) Drive()
        {
            long stampBase = _stampBase;
            _stampBase += 100_000_000; // more writes than any one run makes
            byte[] value = new byte[100];
            var options = new DistributedCacheEntryOptions();
            var read = new ArrayBufferWriter<byte>(128);
            ReplicatedCache secondary = _secondaries[0].Cache;
            bool Visible(int i)
            {
                read.ResetWrittenCount();
                // At or past this write's stamp: a key is written again every KeyCount writes.
                return secondary.TryGet(Keys[i % KeyCount], read) && BinaryPrimitives.ReadInt64LittleEndian(read.WrittenSpan) >= stampBase + i + 1;
            }

            void Write(int i)
            {
                BinaryPrimitives.WriteInt64LittleEndian(value, stampBase + i + 1);
                _primary.Cache.Set(Keys[i % KeyCount], value, options);
            }

            bool WaitVisible(int i, long deadline)
            {
                while (true)
                {
                    _applied.Reset();
                    if (Visible(i))
                    {
                        return true;
                    }

                    TimeSpan left = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), deadline);
                    if (left <= TimeSpan.Zero || !_applied.Wait(left))
                    {
                        return Visible(i);
                    }
                }
            }

            return (Write, WaitVisible);
        }

        public void OnKeyApplied(ReadOnlySpan<byte> key, AppliedChange change)
        {
            if (!_applied.IsSet)
            {
                _applied.Set(); // notes only: the apply loop holds the store's write lock
            }
        }

        public async ValueTask DisposeAsync()
        {
            _subscription.Dispose();
            foreach (ReplicatedCacheNode node in _secondaries)
            {
                await node.DisposeAsync();
            }

            await _primary.DisposeAsync();
            _applied.Dispose();
        }
    }
}
