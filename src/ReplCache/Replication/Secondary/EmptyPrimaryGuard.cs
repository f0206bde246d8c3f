using ReplCache.Protocol;

namespace ReplCache.Replication.Secondary;

/// <summary>
/// The guard against Redis's best-known trap: a primary restarted without persistence answers with a full resync of
/// nothing, and every secondary wipes itself. Here a secondary holding data refuses that offer when the primary is
/// empty, has an unrelated history and started recently — it keeps its data, says why in GetInfo() and the log, and
/// keeps asking, until the primary has data again or it is told to accept.
/// </summary>
/// <remarks>
/// A full resync loads aside and would keep the old data until the empty snapshot ended; it would still end, and
/// then the empty dataset would be swapped in. The guard refuses the offer before anything is loaded.
/// </remarks>
internal sealed class EmptyPrimaryGuard
{
    /// <summary>A primary up for less than this, empty and with an unrelated history, looks like one that lost its data.</summary>
    internal static readonly TimeSpan RecentRestart = TimeSpan.FromMinutes(10);

    private int _acceptOnce;
    private volatile bool _heldBack;

    /// <summary>
    /// Called by REPLICAOF naming the same primary: if the link is holding back from an empty primary, the next
    /// full resync is accepted. Returns false when there was nothing held back.
    /// </summary>
    public bool AcceptOnce()
    {
        if (!_heldBack)
        {
            return false;
        }

        Volatile.Write(ref _acceptOnce, 1);
        return true;
    }

    /// <summary>Refuses <paramref name="offer"/>, answering a request for <paramref name="askedId"/>, if it looks like a primary that lost its data.</summary>
    /// <exception cref="InvalidDataException">The offer is refused; the message says why and how to accept it.</exception>
    public void Check(FullResync offer, string askedId, int held, Uri primary, bool acceptAlways)
    {
        bool unrelated = askedId == "?" ? false : offer.ReplicationId != askedId;
        bool suspicious = held > 0 && offer.EntryCountEstimate == 0 && unrelated && offer.PrimaryUptimeMs < RecentRestart.TotalMilliseconds;
        if (!suspicious || acceptAlways || Interlocked.Exchange(ref _acceptOnce, 0) == 1)
        {
            _heldBack = false;
            return;
        }

        _heldBack = true;
        throw new InvalidDataException(
            $"refusing a full resync from {primary}: it restarted {offer.PrimaryUptimeMs / 1000} s ago with an empty dataset and an unrelated history " +
            $"(replication id {offer.ReplicationId}), and this node holds {held} entries. Keeping them and waiting; " +
            "call ReplicaOfAsync with the same primary again (or set AcceptEmptyPrimary) to accept the empty dataset");
    }
}
