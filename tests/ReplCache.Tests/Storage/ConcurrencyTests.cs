using System.Buffers;
using System.Buffers.Binary;
using System.IO.Hashing;
using Microsoft.Extensions.Caching.Distributed;
using ReplCache.Tests.Infrastructure;

namespace ReplCache.Tests.Storage;

/// <summary>Many readers and writers at once, checked against a model at the end and by self-checking values throughout.</summary>
[Collection(HeavyCollection.Name)]
public class ConcurrencyTests
{
    private static readonly DistributedCacheEntryOptions None = new();

    [Fact]
    public async Task EightTasks_HundredThousandMixedOperationsEach_MatchTheirModels()
    {
        await using var local = new LocalCache();
        ReplicatedCache cache = local.Cache;
        const int tasks = 8, operations = 100_000, keysPerTask = 125;
        using var stop = new CancellationTokenSource();
        Task observers = Task.Run(() =>
        {
            // Scans while writers run: they must never throw or see foreign data.
            for (int i = 0; i < 10_000 && !stop.IsCancellationRequested; i++)
            {
                _ = cache.Count;
                _ = cache.GetKeys("t3:*").Count();
                if (i % 50 == 0)
                {
                    _ = cache.GetDigest();
                }
            }
        });

        Dictionary<string, byte[]>[] models = await Task.WhenAll(Enumerable.Range(0, tasks).Select(t => Task.Run(() =>
        {
            var model = new Dictionary<string, byte[]>();
            var random = new Random(t);
            var writer = new ArrayBufferWriter<byte>();
            for (int i = 0; i < operations; i++)
            {
                string key = $"t{t}:{random.Next(keysPerTask)}";
                switch (random.Next(6))
                {
                    case 0:
                    case 1:
                        byte[] value = BitConverter.GetBytes(random.NextInt64());
                        cache.Set(key, value, None);
                        model[key] = value;
                        break;
                    case 2:
                        cache.Remove(key);
                        model.Remove(key);
                        break;
                    case 3:
                        cache.Refresh(key);
                        break;
                    case 4:
                        writer.ResetWrittenCount();
                        bool found = cache.TryGet(key, writer);
                        Assert.Equal(model.ContainsKey(key), found);
                        if (found)
                        {
                            Assert.Equal(model[key], writer.WrittenSpan.ToArray());
                        }

                        break;
                    default:
                        Assert.Equal(model.GetValueOrDefault(key), cache.Get(key));
                        break;
                }
            }

            return model;
        })));
        stop.Cancel();
        await observers;

        int expected = 0;
        foreach (Dictionary<string, byte[]> model in models)
        {
            foreach ((string key, byte[] value) in model)
            {
                Assert.Equal(value, cache.Get(key));
                expected++;
            }
        }

        Assert.Equal(expected, cache.Count);
        Assert.Equal(expected, cache.GetKeys().Count());
    }

    [Fact]
    public async Task ContendedKeys_ReadersNeverSeeATornOrForeignValue()
    {
        await using var local = new LocalCache();
        ReplicatedCache cache = local.Cache;
        const int keys = 16;
        using var stop = new CancellationTokenSource();
        long checkedReads = 0;
        Task[] writers = Enumerable.Range(0, 3).Select(w => Task.Run(() =>
        {
            var random = new Random(w);
            for (int i = 0; i < 200_000 && !stop.IsCancellationRequested; i++)
            {
                int key = random.Next(keys);
                if (random.Next(8) == 0)
                {
                    cache.Remove($"k{key}");
                }
                else
                {
                    cache.Set($"k{key}", SelfChecking(key, random.Next(1, 300)), None);
                }
            }
        })).ToArray();
        Task[] readers = Enumerable.Range(0, 3).Select(r => Task.Run(() =>
        {
            var random = new Random(100 + r);
            for (int i = 0; i < 300_000; i++)
            {
                int key = random.Next(keys);
                if (cache.Get($"k{key}") is { } value)
                {
                    AssertSelfChecking(key, value);
                    Interlocked.Increment(ref checkedReads);
                }
            }
        })).ToArray();
        await Task.WhenAll(readers);
        stop.Cancel();
        await Task.WhenAll(writers);
        Assert.True(checkedReads > 0);
    }

    /// <summary>[key:int][length:int][payload][xxhash32 of the rest].</summary>
    private static byte[] SelfChecking(int key, int payload)
    {
        byte[] value = new byte[8 + payload + 4];
        BinaryPrimitives.WriteInt32LittleEndian(value, key);
        BinaryPrimitives.WriteInt32LittleEndian(value.AsSpan(4), payload);
        Random.Shared.NextBytes(value.AsSpan(8, payload));
        BinaryPrimitives.WriteUInt32LittleEndian(value.AsSpan(8 + payload), XxHash32.HashToUInt32(value.AsSpan(0, 8 + payload)));
        return value;
    }

    private static void AssertSelfChecking(int key, byte[] value)
    {
        Assert.Equal(key, BinaryPrimitives.ReadInt32LittleEndian(value));
        int payload = BinaryPrimitives.ReadInt32LittleEndian(value.AsSpan(4));
        Assert.Equal(8 + payload + 4, value.Length);
        Assert.Equal(XxHash32.HashToUInt32(value.AsSpan(0, 8 + payload)), BinaryPrimitives.ReadUInt32LittleEndian(value.AsSpan(8 + payload)));
    }
}
