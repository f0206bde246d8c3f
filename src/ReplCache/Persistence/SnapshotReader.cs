using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;
using ReplCache.Backlog;
using ReplCache.Storage;

namespace ReplCache.Persistence;

/// <summary>
/// Loads a snapshot file into an empty store: the entries, then the log tail replayed over them. Anything wrong —
/// truncation, a bad checksum, an unknown version, a malformed record — is an <see cref="InvalidDataException"/>
/// naming the file and the problem, and leaves the store empty: never a silently partial cache.
/// </summary>
internal static class SnapshotReader
{
    public static SnapshotIdentity Load(string path, CacheStore store)
    {
        string full = Path.GetFullPath(path);
        try
        {
            byte[] bytes = File.ReadAllBytes(full);
            return Load(bytes, store);
        }
        catch (InvalidDataException ex)
        {
            store.Clear();
            throw new InvalidDataException($"The snapshot file '{full}' cannot be loaded: {ex.Message} The file was left as it is.", ex);
        }
    }

    private static SnapshotIdentity Load(ReadOnlySpan<byte> file, CacheStore store)
    {
        if (file.Length < SnapshotFormat.Magic.Length + 4 + 8 || !file.StartsWith(SnapshotFormat.Magic))
        {
            throw new InvalidDataException("it is not a ReplCache snapshot (wrong magic or too short).");
        }

        ReadOnlySpan<byte> body = file[..^8];
        ulong expected = BinaryPrimitives.ReadUInt64LittleEndian(file[^8..]);
        if (XxHash64.HashToUInt64(body) != expected)
        {
            throw new InvalidDataException("its checksum does not match its content (truncated or corrupted).");
        }

        var reader = new Reader(body[SnapshotFormat.Magic.Length..]);
        uint version = reader.UInt32();
        if (version != SnapshotFormat.Version)
        {
            throw new InvalidDataException($"it has format version {version}; this build reads version {SnapshotFormat.Version}.");
        }

        long entries = 0;
        long tailLength;
        lock (store.WriteLock)
        {
            store.Clear();
            while (true)
            {
                uint length = reader.UInt32();
                if (length == 0)
                {
                    break;
                }

                ReadOnlySpan<byte> record = reader.Bytes(length);
                if (!LogRecord.TryRead(record, out LogRecord set, out int used) || used != record.Length || set.Kind != LogRecordKind.Set)
                {
                    throw new InvalidDataException($"entry {entries} is not a whole Set record.");
                }

                store.ApplySet(set.Key, set.Value, set.AbsoluteExpiryMs, set.SlidingMs, set.SlidingDeadlineMs);
                entries++;
            }

            ReadOnlySpan<byte> tail = reader.Bytes(reader.UInt32());
            tailLength = tail.Length;
            ReplayTail(tail, store);
        }

        string nodeId = reader.String();
        string replicationId = reader.String();
        long start = reader.Int64();
        long end = reader.Int64();
        long savedAt = reader.Int64();
        long count = reader.Int64();
        if (!reader.AtEnd || count != entries || end < start || end - start != tailLength)
        {
            throw new InvalidDataException("its trailer does not agree with its content.");
        }

        return new SnapshotIdentity(nodeId, replicationId, end, savedAt, entries);
    }

    private static void ReplayTail(ReadOnlySpan<byte> tail, CacheStore store)
    {
        while (!tail.IsEmpty)
        {
            if (!LogRecord.TryRead(tail, out LogRecord record, out int length))
            {
                throw new InvalidDataException("its log tail ends inside a record.");
            }

            switch (record.Kind)
            {
                case LogRecordKind.Set:
                    store.ApplySet(record.Key, record.Value, record.AbsoluteExpiryMs, record.SlidingMs, record.SlidingDeadlineMs);
                    break;
                case LogRecordKind.Remove:
                    store.ApplyRemove(record.Key);
                    break;
                case LogRecordKind.Touch:
                    store.ApplyTouch(record.Key, record.SlidingDeadlineMs);
                    break;
                case LogRecordKind.Clear:
                    store.Clear();
                    break;
            }

            tail = tail[length..];
        }
    }

    /// <summary>Bounds-checked reading: running off the end is corruption, reported as such.</summary>
    private ref struct Reader(ReadOnlySpan<byte> data)
    {
        private readonly ReadOnlySpan<byte> _data = data;
        private int _position;

        public readonly bool AtEnd => _position == _data.Length;

        public uint UInt32() => BinaryPrimitives.ReadUInt32LittleEndian(Bytes(4));

        public long Int64() => BinaryPrimitives.ReadInt64LittleEndian(Bytes(8));

        public string String() => Encoding.UTF8.GetString(Bytes(UInt32()));

        public ReadOnlySpan<byte> Bytes(uint count)
        {
            if (count > _data.Length - _position)
            {
                throw new InvalidDataException("it ends in the middle of a field.");
            }

            ReadOnlySpan<byte> slice = _data.Slice(_position, (int)count);
            _position += (int)count;
            return slice;
        }
    }
}

/// <summary>Who wrote a snapshot and which history and offset its content is exactly.</summary>
internal sealed record SnapshotIdentity(string NodeId, string ReplicationId, long Offset, long SavedAtMs, long Entries);
