using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.IO.Hashing;
using System.Text;
using ReplCache.Backlog;
using ReplCache.Persistence;
using ReplCache.Storage;
using ReplCache.Tests.Infrastructure;

namespace ReplCache.Tests.Security;

/// <summary>
/// Seeded fuzzing of the snapshot loader: valid files, bit-flipped, truncated, spliced and random, with and without a
/// checksum recomputed to match (so the damage reaches the parser, not just the checksum). Every case either loads
/// or throws <see cref="InvalidDataException"/> naming the file, leaves the store empty when it throws, and never
/// hangs or allocates much more than the file's own size.
/// </summary>
public sealed class SnapshotFuzzTests : IDisposable
{
    private const int Cases = 4000;

    private readonly string _dir = Directory.CreateTempSubdirectory("replcache-snapshot-fuzz-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task MutatedSnapshots_LoadOrThrowInvalidDataException_NeverAnythingElse()
    {
        byte[] built = BuildSnapshot();
        byte[] saved = await SaveRealSnapshotAsync();
        byte[][] seeds = [built, saved];
        foreach (byte[] seed in seeds)
        {
            Assert.True(TryLoad(seed, out _, out _), "the seed file itself must load");
        }

        var random = new Random(20261125);
        int loaded = 0, refused = 0;
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < Cases; i++)
        {
            byte[] seed = seeds[random.Next(seeds.Length)];
            (byte[] file, bool checksumFixed, string mutation) = Mutate(seed, random);
            var one = Stopwatch.StartNew();
            long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
            bool ok = TryLoad(file, out InvalidDataException? error, out CacheStore store);
            long allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
            Assert.True(one.Elapsed < TimeSpan.FromSeconds(2), $"case {i} ({mutation}) took {one.Elapsed}");
            Assert.True(allocated < 64L * file.Length + 4 * 1024 * 1024, $"case {i} ({mutation}) allocated {allocated} bytes for a {file.Length}-byte file");
            if (ok)
            {
                loaded++;
                // Without a matching checksum, only a mutation that changed nothing may load.
                Assert.True(checksumFixed || file.AsSpan().SequenceEqual(seed), $"case {i} ({mutation}) loaded with a wrong checksum");
            }
            else
            {
                refused++;
                Assert.StartsWith("The snapshot file '", error!.Message, StringComparison.Ordinal);
                Assert.Contains("cannot be loaded: ", error.Message, StringComparison.Ordinal);
                Assert.Equal(0, store.PhysicalCount);
            }

            store.Dispose();
        }

        Assert.True(refused > Cases / 2, $"{refused} of {Cases} refused: the mutations are too gentle to test anything");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"{Cases} cases took {clock.Elapsed}");
        Assert.True(loaded + refused == Cases);
    }

    [Fact]
    public void RecordOverTheNodesLimits_IsRefusedAsBadData()
    {
        byte[] file = BuildSnapshot(extraValueBytes: 5000);
        string path = Path.Combine(_dir, "big.rcs");
        File.WriteAllBytes(path, file);
        using var store = new CacheStore(TimeProvider.System, null) { Limits = new EntryLimits(1024, 4096) };
        store.Follow();
        InvalidDataException ex = Assert.Throws<InvalidDataException>(() => SnapshotReader.Load(path, store));
        Assert.Contains("MaxValueBytes", ex.Message, StringComparison.Ordinal);
        Assert.Equal(0, store.PhysicalCount);
    }

    private bool TryLoad(byte[] file, out InvalidDataException? error, out CacheStore store)
    {
        string path = Path.Combine(_dir, "case.rcs");
        File.WriteAllBytes(path, file);
        store = new CacheStore(TimeProvider.System, null);
        store.Follow();
        try
        {
            SnapshotReader.Load(path, store);
            error = null;
            return true;
        }
        catch (InvalidDataException ex)
        {
            error = ex;
            return false;
        }
    }

    private static (byte[] File, bool ChecksumFixed, string Mutation) Mutate(byte[] seed, Random random)
    {
        byte[] file;
        string mutation;
        switch (random.Next(6))
        {
            case 0:
                file = (byte[])seed.Clone();
                int flips = random.Next(1, 9);
                for (int f = 0; f < flips; f++)
                {
                    file[random.Next(file.Length)] ^= (byte)(1 << random.Next(8));
                }

                mutation = $"{flips} bit flips";
                break;
            case 1:
                file = seed[..random.Next(seed.Length)];
                mutation = $"truncated to {file.Length}";
                break;
            case 2:
                file = (byte[])seed.Clone();
                int at = random.Next(file.Length - 4);
                BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(at), random.Next(4) switch { 0 => uint.MaxValue, 1 => 0, 2 => (uint)random.Next(), _ => (uint)random.Next(1, 64) });
                mutation = $"a u32 overwritten at {at}";
                break;
            case 3:
                int cut = random.Next(seed.Length);
                int length = random.Next(1, 32);
                file = random.Next(2) == 0
                    ? [.. seed[..cut], .. RandomBytes(random, length), .. seed[cut..]]
                    : [.. seed[..cut], .. seed[Math.Min(seed.Length, cut + length)..]];
                mutation = $"splice at {cut}";
                break;
            case 4:
                file = [.. SnapshotFormatMagic(), .. RandomBytes(random, random.Next(0, 512))];
                mutation = "magic and random bytes";
                break;
            default:
                file = RandomBytes(random, random.Next(0, 256));
                mutation = "random bytes";
                break;
        }

        // Most cases get a checksum that matches their damage, so the parser behind the checksum meets it.
        bool fix = file.Length >= 8 && random.Next(4) != 0;
        if (fix)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(file.AsSpan(file.Length - 8), XxHash64.HashToUInt64(file.AsSpan(0, file.Length - 8)));
        }

        return (file, fix, mutation + (fix ? ", checksum fixed" : ""));
    }

    private static byte[] RandomBytes(Random random, int length)
    {
        byte[] bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    private static byte[] SnapshotFormatMagic() => "RCSNAP\r\n"u8.ToArray();

    /// <summary>A file as <see cref="SnapshotFormat"/> describes it, with entries and a log tail of every record kind.</summary>
    private static byte[] BuildSnapshot(int extraValueBytes = 0)
    {
        var body = new ArrayBufferWriter<byte>();
        body.Write(SnapshotFormatMagic());
        WriteUInt32(body, SnapshotFormat.Version);
        var record = new ArrayBufferWriter<byte>();
        for (int i = 0; i < 40; i++)
        {
            record.ResetWrittenCount();
            byte[] value = Encoding.UTF8.GetBytes($"value-{i}-" + new string('x', i == 7 ? extraValueBytes : i));
            LogRecordWriter.WriteSet(record, Encoding.UTF8.GetBytes($"key-{i}"), value, i % 3 == 0 ? 4_000_000_000_000 : 0, i % 5 == 0 ? 60_000 : 0, i % 5 == 0 ? 4_000_000_000_000 : 0);
            WriteUInt32(body, (uint)record.WrittenCount);
            body.Write(record.WrittenSpan);
        }

        WriteUInt32(body, 0);
        var tail = new ArrayBufferWriter<byte>();
        LogRecordWriter.WriteSet(tail, "tail-set"u8, "v"u8, 0, 0, 0);
        LogRecordWriter.WriteRemove(tail, "key-1"u8);
        LogRecordWriter.WriteTouch(tail, "key-5"u8, 4_000_000_100_000);
        LogRecordWriter.WriteSet(tail, "key-2"u8, "rewritten"u8, 0, 0, 0);
        WriteUInt32(body, (uint)tail.WrittenCount);
        body.Write(tail.WrittenSpan);
        WriteString(body, "fuzz-node");
        WriteString(body, ReplCache.Replication.ReplicationIds.NewId());
        WriteInt64(body, 1000);
        WriteInt64(body, 1000 + tail.WrittenCount);
        WriteInt64(body, 1_700_000_000_000);
        WriteInt64(body, 40);
        byte[] file = new byte[body.WrittenCount + 8];
        body.WrittenSpan.CopyTo(file);
        BinaryPrimitives.WriteUInt64LittleEndian(file.AsSpan(body.WrittenCount), XxHash64.HashToUInt64(body.WrittenSpan));
        return file;
    }

    private async Task<byte[]> SaveRealSnapshotAsync()
    {
        string path = Path.Combine(_dir, "real.rcs");
        await using (ReplicatedCacheNode node = await Nodes.StartPrimaryAsync(o => o.SnapshotPath = path))
        {
            for (int i = 0; i < 30; i++)
            {
                node.Cache.Set($"real-{i}", Encoding.UTF8.GetBytes(new string('r', i * 3)), new() { SlidingExpiration = i % 2 == 0 ? TimeSpan.FromHours(1) : null });
            }
        }

        return File.ReadAllBytes(path);
    }

    private static void WriteUInt32(ArrayBufferWriter<byte> output, uint value)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(output.GetSpan(4), value);
        output.Advance(4);
    }

    private static void WriteInt64(ArrayBufferWriter<byte> output, long value)
    {
        BinaryPrimitives.WriteInt64LittleEndian(output.GetSpan(8), value);
        output.Advance(8);
    }

    private static void WriteString(ArrayBufferWriter<byte> output, string value)
    {
        WriteUInt32(output, (uint)Encoding.UTF8.GetByteCount(value));
        output.Write(Encoding.UTF8.GetBytes(value));
    }
}
