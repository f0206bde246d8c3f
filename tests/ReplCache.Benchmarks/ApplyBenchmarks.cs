using System.Buffers;
using BenchmarkDotNet.Attributes;
using ReplCache.Backlog;
using ReplCache.Replication.Secondary;
using ReplCache.Storage;

namespace ReplCache.Benchmarks;

/// <summary>The secondary's apply path: decode a 64 KB slice of Set records (100-byte values) and apply it.</summary>
[MemoryDiagnoser]
public class ApplyBenchmarks
{
    private CacheStore _store = null!;
    private ReplicationLog _log = null!;
    private StreamApplier _applier = null!;
    private ReadOnlyMemory<byte>[] _batches = null!;
    private int _records;
    private long _offset;

    [GlobalSetup]
    public void Setup()
    {
        _store = new CacheStore(TimeProvider.System, null);
        _store.Follow();
        _log = new ReplicationLog(16L * 1024 * 1024, 256L * 1024 * 1024);
        _applier = new StreamApplier(_store, _log, new ReplCache.Replication.AppliedKeys());
        var batches = new List<ReadOnlyMemory<byte>>();
        var writer = new ArrayBufferWriter<byte>();
        byte[] value = new byte[100];
        for (int i = 0; i < 100_000; i++)
        {
            LogRecordWriter.WriteSet(writer, System.Text.Encoding.UTF8.GetBytes($"key:{i}"), value, 0, 0, 0);
            if (writer.WrittenCount > 60 * 1024)
            {
                batches.Add(writer.WrittenMemory.ToArray());
                writer.ResetWrittenCount();
            }
        }

        _batches = batches.ToArray();
        _records = 100_000 - 100_000 % 1; // every record lands in some batch but the last partial one
    }

    [Benchmark(OperationsPerInvoke = 1)]
    public void ApplyAllBatches()
    {
        foreach (ReadOnlyMemory<byte> batch in _batches)
        {
            _applier.ApplyRecords(_offset, batch);
            _offset += batch.Length;
        }
    }

    public int Records => _records;
}
