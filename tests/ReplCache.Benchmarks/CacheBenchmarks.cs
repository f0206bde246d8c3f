using System.Buffers;
using System.Collections.Concurrent;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using ReplCache.Hosting;
using ReplCache.Replication;

namespace ReplCache.Benchmarks;

/// <summary>
/// Local read and write cost of ReplicatedCache beside MemoryDistributedCache and a bare
/// ConcurrentDictionary, over 1M keys of 100-byte values, keys visited in a random order so that
/// the figures include the cache misses a large working set really has.
/// </summary>
[MemoryDiagnoser]
public class CacheBenchmarks
{
    public const int KeyCount = 1_000_000;
    private const int Batch = 1024;

    private static readonly DistributedCacheEntryOptions NoExpiry = new();
    private readonly ArrayBufferWriter<byte> _writer = new(256);
    private NodeCore _controller = null!;
    private ReplicatedCache _replicated = null!;
    private MemoryDistributedCache _memory = null!;
    private ConcurrentDictionary<string, byte[]> _dictionary = null!;
    private string[] _keys = null!;
    private string[] _missingKeys = null!;
    private int[] _order = null!;
    private byte[] _value = null!;
    private int _cursor;

    [GlobalSetup]
    public void Setup()
    {
        _keys = Enumerable.Range(0, KeyCount).Select(i => $"key:{i}").ToArray();
        _missingKeys = Enumerable.Range(0, Batch).Select(i => $"missing:{i}").ToArray();
        _order = Enumerable.Range(0, KeyCount).ToArray();
        new Random(42).Shuffle(_order);
        _value = new byte[100];
        Random.Shared.NextBytes(_value);

        _controller = new NodeCore(new ReplicatedCacheOptions());
        _replicated = _controller.Cache;
        _memory = new MemoryDistributedCache(Options.Create(new MemoryDistributedCacheOptions()));
        _dictionary = new ConcurrentDictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (string key in _keys)
        {
            _replicated.Set(key, _value, NoExpiry);
            _memory.Set(key, _value.ToArray(), NoExpiry);
            _dictionary[key] = _value.ToArray();
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _controller.DisposeAsync().AsTask().GetAwaiter().GetResult();

    }

    [Benchmark(OperationsPerInvoke = Batch, Baseline = true), BenchmarkCategory("GetHit")]
    public int Dictionary_GetHit()
    {
        int sum = 0;
        for (int i = 0; i < Batch; i++)
        {
            sum += _dictionary.TryGetValue(NextKey(), out byte[]? value) ? value.Length : 0;
        }

        return sum;
    }

    [Benchmark(OperationsPerInvoke = Batch), BenchmarkCategory("GetHit")]
    public int Memory_GetHit()
    {
        int sum = 0;
        for (int i = 0; i < Batch; i++)
        {
            sum += _memory.Get(NextKey())?.Length ?? 0;
        }

        return sum;
    }

    [Benchmark(OperationsPerInvoke = Batch), BenchmarkCategory("GetHit")]
    public int Replicated_GetHit()
    {
        int sum = 0;
        for (int i = 0; i < Batch; i++)
        {
            sum += _replicated.Get(NextKey())?.Length ?? 0;
        }

        return sum;
    }

    [Benchmark(OperationsPerInvoke = Batch), BenchmarkCategory("TryGet")]
    public int Replicated_TryGet_PooledWriter()
    {
        int sum = 0;
        for (int i = 0; i < Batch; i++)
        {
            _writer.ResetWrittenCount();
            sum += _replicated.TryGet(NextKey(), _writer) ? _writer.WrittenCount : 0;
        }

        return sum;
    }

    [Benchmark(OperationsPerInvoke = Batch), BenchmarkCategory("TryGet")]
    public int Memory_TryGet_PooledWriter()
    {
        int sum = 0;
        IBufferDistributedCache? buffered = _memory as IBufferDistributedCache;
        for (int i = 0; i < Batch; i++)
        {
            _writer.ResetWrittenCount();
            if (buffered is not null)
            {
                sum += buffered.TryGet(NextKey(), _writer) ? _writer.WrittenCount : 0;
            }
            else if (_memory.Get(NextKey()) is { } value)
            {
                _writer.Write(value);
                sum += value.Length;
            }
        }

        return sum;
    }

    [Benchmark(OperationsPerInvoke = Batch), BenchmarkCategory("GetMiss")]
    public int Dictionary_GetMiss()
    {
        int sum = 0;
        for (int i = 0; i < Batch; i++)
        {
            sum += _dictionary.TryGetValue(_missingKeys[i], out _) ? 1 : 0;
        }

        return sum;
    }

    [Benchmark(OperationsPerInvoke = Batch), BenchmarkCategory("GetMiss")]
    public int Memory_GetMiss()
    {
        int sum = 0;
        for (int i = 0; i < Batch; i++)
        {
            sum += _memory.Get(_missingKeys[i]) is null ? 0 : 1;
        }

        return sum;
    }

    [Benchmark(OperationsPerInvoke = Batch), BenchmarkCategory("GetMiss")]
    public int Replicated_GetMiss()
    {
        int sum = 0;
        for (int i = 0; i < Batch; i++)
        {
            sum += _replicated.Get(_missingKeys[i]) is null ? 0 : 1;
        }

        return sum;
    }

    [Benchmark(OperationsPerInvoke = Batch), BenchmarkCategory("Set")]
    public void Dictionary_Set()
    {
        for (int i = 0; i < Batch; i++)
        {
            // A fresh array per write, as a cache that must not share the caller's buffer has to do.
            _dictionary[NextKey()] = _value.ToArray();
        }
    }

    [Benchmark(OperationsPerInvoke = Batch), BenchmarkCategory("Set")]
    public void Memory_Set()
    {
        for (int i = 0; i < Batch; i++)
        {
            _memory.Set(NextKey(), _value, NoExpiry);
        }
    }

    [Benchmark(OperationsPerInvoke = Batch), BenchmarkCategory("Set")]
    public void Replicated_Set()
    {
        for (int i = 0; i < Batch; i++)
        {
            _replicated.Set(NextKey(), _value, NoExpiry);
        }
    }

    private string NextKey()
    {
        int cursor = _cursor;
        _cursor = cursor + 1 == KeyCount ? 0 : cursor + 1;
        return _keys[_order[cursor]];
    }
}
