using ReplCache.Storage;

namespace ReplCache.Replication.Secondary;

/// <summary>
/// Collects the keys of sliding entries a secondary's readers renewed, so the link can tell the primary once
/// per heartbeat (a <c>Touches</c> message) — at most once per key per heartbeat however hot the key is. Without it an entry that is
/// only read on secondaries would expire on the primary, and the primary's removal would reach them all.
/// </summary>
internal sealed class RenewalForwarder
{
    private readonly Lock _gate = new();
    private HashSet<byte[]> _pending = new(ByteKeyComparer.Instance);

    public void Add(ReadOnlySpan<byte> key)
    {
        lock (_gate)
        {
            _pending.GetAlternateLookup<ReadOnlySpan<byte>>().Add(key);
        }
    }

    /// <summary>Takes every pending key; null when there are none.</summary>
    public HashSet<byte[]>? Drain()
    {
        lock (_gate)
        {
            if (_pending.Count == 0)
            {
                return null;
            }

            HashSet<byte[]> taken = _pending;
            _pending = new HashSet<byte[]>(ByteKeyComparer.Instance);
            return taken;
        }
    }
}
