namespace ReplCache.Replication;

/// <summary>
/// Refuses writes on a primary that the Sentinels have replaced: raised when a Sentinel's hello names another node,
/// itself a primary, as the master (see <c>Resp.Sentinel.SentinelHelloFence</c>); it lasts until this primary's term
/// ends (Sentinel's <c>REPLICAOF</c> makes it a secondary), a hello names this node again, or <c>REPLICAOF NO ONE</c>.
/// </summary>
/// <remarks>
/// Redis accepts writes on a primary the Sentinels have already replaced until they convert it, which they do only
/// after it has reported the master role for 8 s (<c>SENTINEL_PUBLISH_PERIOD * 4</c>) and its new master looks sane:
/// after a partition heals, or a SIGSTOPped primary resumes, or <c>SENTINEL FAILOVER</c>, clients still connected to
/// it write there for those seconds, and every such write is lost when it resyncs. A fenced primary answers READONLY
/// instead, which Sentinel-aware clients take as the signal to ask the Sentinels again.
/// </remarks>
internal sealed class StalePrimaryFence(ReplicationState state)
{
    private Raised? _raised;

    /// <summary>Why writes are refused now, or null when they are not.</summary>
    public string? Reason => Active()?.Reason;

    /// <summary>The master config epoch of the hello that raised the fence, or -1 when none is in force.</summary>
    public long Epoch => Active()?.Epoch ?? -1;

    /// <summary>Fences this primary's current term; a later raise with a higher epoch replaces the reason.</summary>
    /// <returns>True when writes were accepted until now.</returns>
    public bool Raise(long epoch, string reason)
    {
        if (state.Role != ReplicationRole.Primary)
        {
            return false; // a secondary refuses writes already; its term is over
        }

        Raised? before = Active();
        Volatile.Write(ref _raised, new Raised(state.PrimaryTermEnded, Math.Max(epoch, before?.Epoch ?? -1), reason));
        return before is null;
    }

    /// <summary>Lifts the fence: for a hello naming this node with <paramref name="epoch"/> at least the fence's; with no epoch (REPLICAOF NO ONE), always.</summary>
    /// <returns>True when a fence in force was lifted.</returns>
    public bool Lift(long epoch = long.MaxValue)
    {
        Raised? current = Active();
        if (current is null || epoch < current.Epoch)
        {
            return false;
        }

        return Interlocked.CompareExchange(ref _raised, null, current) == current;
    }

    private Raised? Active() => Volatile.Read(ref _raised) is { } raised && !raised.Term.IsCancellationRequested ? raised : null;

    /// <param name="Term">The primary term fenced: a node that became a secondary and a primary again is not fenced.</param>
    /// <param name="Epoch">The master config epoch of the hello that raised it: only a hello naming this node with one as high lifts it.</param>
    /// <param name="Reason">The READONLY error refused writes get.</param>
    private sealed record Raised(CancellationToken Term, long Epoch, string Reason);
}
