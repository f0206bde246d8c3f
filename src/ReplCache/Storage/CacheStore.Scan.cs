using System.Buffers.Binary;
using System.IO.Hashing;

namespace ReplCache.Storage;

internal sealed partial class CacheStore
{
    /// <summary>Live (unexpired) entries. O(1) while no entry can expire; otherwise one lock-free pass.</summary>
    public long CountLive()
    {
        if (Volatile.Read(ref _expiringCount) == 0)
        {
            return _table.Count;
        }

        long now = _clock.NowMs();
        long live = 0;
        EntryTable.Slot[] slots = _table.Slots;
        for (int i = 0; i < slots.Length; i++)
        {
            if (IsLive(Volatile.Read(ref slots[i].Entry), now))
            {
                live++;
            }
        }

        return live;
    }

    /// <summary>Keys of live entries matching a Redis glob. Each key appears once even if writers race with the scan.</summary>
    public List<string> GetKeys(KeyPattern pattern)
    {
        long versionBefore = Version;
        long now = _clock.NowMs();
        var keys = new List<string>();
        foreach (byte[] blob in EnumerateLive(now))
        {
            ReadOnlySpan<byte> key = EntryLayout.Key(blob);
            string text = KeyCodec.Decode(key);
            if (pattern.IsMatch(text))
            {
                keys.Add(text);
            }
        }

        // Linear probing never moves an entry, but a key removed and re-added during the scan can land in an
        // earlier tombstone and be seen twice; only then is de-duplication worth its cost.
        if (Version != versionBefore)
        {
            keys = new HashSet<string>(keys, StringComparer.Ordinal).ToList();
        }

        return keys;
    }

    /// <summary>
    /// Live entries, lock-free, in table order. A concurrent writer may or may not be reflected, and a key
    /// re-added during the walk may appear twice; consumers that need an exact view take the write lock.
    /// </summary>
    public IEnumerable<byte[]> EnumerateLive(long nowMs)
    {
        EntryTable.Slot[] slots = _table.Slots;
        for (int i = 0; i < slots.Length; i++)
        {
            byte[]? blob = Volatile.Read(ref slots[i].Entry);
            if (IsLive(blob, nowMs))
            {
                yield return blob!;
            }
        }
    }

    /// <summary>
    /// An order-independent digest of every live entry's key, value, absolute expiry and sliding window: the
    /// wrapping sum of each entry's 128-bit XxHash, followed by the entry count, as 40 hex digits (the length
    /// of Redis's <c>DEBUG DIGEST</c>; all zeros for an empty store, as in Redis). Taken under the write lock
    /// so that it describes one moment. The moving sliding deadline is left out: it changes on every read.
    /// </summary>
    public string ComputeDigest()
    {
        lock (_writeLock)
        {
            long now = _clock.NowMs();
            UInt128 sum = 0;
            uint count = 0;
            Span<byte> trailer = stackalloc byte[16];
            Span<byte> keyLength = stackalloc byte[4];
            var hasher = new XxHash128();
            foreach (byte[] blob in EnumerateLive(now))
            {
                ReadOnlySpan<byte> key = EntryLayout.Key(blob);
                BinaryPrimitives.WriteInt64LittleEndian(trailer, EntryLayout.AbsoluteExpiryMs(blob));
                BinaryPrimitives.WriteInt64LittleEndian(trailer[8..], EntryLayout.SlidingMs(blob));
                hasher.Reset();
                BinaryPrimitives.WriteInt32LittleEndian(keyLength, key.Length);
                hasher.Append(keyLength);
                hasher.Append(key);
                hasher.Append(EntryLayout.Value(blob));
                hasher.Append(trailer);
                sum += hasher.GetCurrentHashAsUInt128();
                count++;
            }

            return count == 0 ? new string('0', 40) : $"{sum:x32}{count:x8}";
        }
    }

    private static bool IsLive(byte[]? blob, long nowMs) =>
        blob is not null && !ReferenceEquals(blob, EntryTable.Tombstone) && !EntryLayout.IsExpired(blob, nowMs);
}
