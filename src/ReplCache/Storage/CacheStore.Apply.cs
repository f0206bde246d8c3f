namespace ReplCache.Storage;

internal sealed partial class CacheStore
{
    // The replication apply path: a secondary states what its primary decided. The caller holds WriteLock
    // across a batch (the lock is re-entrant), so a batch and its append to the secondary's own log are one step.

    /// <summary>Applies a Set record.</summary>
    /// <exception cref="InvalidDataException">The key or value is larger than <see cref="Limits"/> allow; nothing is applied.</exception>
    public void ApplySet(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, long absoluteExpiryMs, long slidingMs, long slidingDeadlineMs)
    {
        Limits.ThrowIfRecordTooLarge(key.Length, value.Length);
        lock (_writeLock)
        {
            _writer.Insert(_writer.Create(key, value, absoluteExpiryMs, slidingMs, slidingDeadlineMs));
        }
    }

    /// <summary>Applies a Remove record; a missing key is fine (the record is idempotent).</summary>
    public void ApplyRemove(ReadOnlySpan<byte> key) => Remove(key);

    /// <summary>Applies a Touch record: the sliding deadline moves to at least <paramref name="deadline"/>.</summary>
    /// <returns>False when no sliding entry holds the key.</returns>
    public bool ApplyTouch(ReadOnlySpan<byte> key, long deadline)
    {
        lock (_writeLock)
        {
            return ApplyTouchLocked(key, deadline);
        }
    }

    private bool ApplyTouchLocked(ReadOnlySpan<byte> key, long deadline)
    {
        Entry blob = _table.Find(key, KeyCodec.Hash(key));
        if (blob.IsNull || EntryLayout.SlidingMs(blob) == 0)
        {
            return false;
        }

        if (deadline > EntryLayout.SlidingDeadlineMs(blob))
        {
            EntryLayout.SetSlidingDeadlineMs(blob, deadline);
        }

        if (deadline > EntryLayout.LoggedDeadlineMs(blob))
        {
            EntryLayout.SetLoggedDeadlineMs(blob, deadline);
        }

        return true;
    }
}
