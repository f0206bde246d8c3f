namespace ReplCache.Storage;

internal sealed partial class CacheStore
{
    // The replication apply path: a secondary states what its primary decided. The caller holds WriteLock
    // across a batch (the lock is re-entrant), so a batch and its append to the secondary's own log are one step.
    // While a staged load is open (a full sync, CacheStore.Staging.cs), every method here changes the staged
    // entries, not the ones readers see.

    /// <summary>Applies a Set record.</summary>
    /// <exception cref="InvalidDataException">The key or value is larger than <see cref="Limits"/> allow; nothing is applied.</exception>
    public void ApplySet(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, long absoluteExpiryMs, long slidingMs, long slidingDeadlineMs)
    {
        Limits.ThrowIfRecordTooLarge(key.Length, value.Length);
        lock (_writeLock)
        {
            StoreWriter writer = ApplyWriter;
            writer.Insert(writer.Create(key, value, absoluteExpiryMs, slidingMs, slidingDeadlineMs));
        }
    }

    /// <summary>Applies a Remove record; a missing key is fine (the record is idempotent).</summary>
    public void ApplyRemove(ReadOnlySpan<byte> key)
    {
        lock (_writeLock)
        {
            ApplyWriter.Remove(key);
        }
    }

    /// <summary>Applies a Clear record.</summary>
    public void ApplyClear()
    {
        lock (_writeLock)
        {
            if (_staged is { } staged)
            {
                staged.Writer.Clear(wholePages: false);
            }
            else
            {
                _writer.Clear(wholePages: true);
            }
        }
    }

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
        Entry blob = ApplyTable.Find(key, KeyCodec.Hash(key));
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
