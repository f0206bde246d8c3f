using Microsoft.Extensions.Logging;
using ReplCache.Backlog;
using ReplCache.Replication;
using ReplCache.Replication.Primary;
using ReplCache.Replication.Secondary;

namespace ReplCache.Hosting;

/// <summary>
/// Redis 6.2's coordinated FAILOVER on a primary: pause writes (they wait, they are not refused), wait until the
/// target — or, without one, any secondary — has acknowledged the whole log, step down under the write lock so no
/// write falls between that check and the step down, and hand the primary role to the target in the Hello of a link
/// to it (Redis's <c>PSYNC ... FAILOVER</c>). The target promotes itself and answers as the new primary, so this node
/// continues as its secondary with a partial resync. A timeout without FORCE, an ABORT, a cancelled caller or a
/// refused handover roll back: this node is (again) a primary and the paused writes proceed on it.
/// </summary>
/// <remarks>
/// It composes both sides of replication (the registry of secondaries and the link supervisor), so it lives with the
/// node's composition rather than in either. Never two writable primaries: this node stops accepting writes (under
/// the write lock) before its Hello can reach the target, and the target starts only on receiving it. As in Redis,
/// the other secondaries stay attached to this node, which relays the new primary's stream to them (chained), with
/// no full sync.
/// </remarks>
internal sealed partial class FailoverCoordinator(
    ReplicationState state,
    ReplicationLog log,
    ReplicaRegistry replicas,
    LinkSupervisor links,
    WritePause pause,
    ReplicatedCacheOptions options,
    ILogger logger)
{
    /// <summary>How often the wait re-checks the acknowledgements when none arrive (they wake it as they come).</summary>
    private static readonly TimeSpan RecheckInterval = TimeSpan.FromMilliseconds(100);

    private CancellationTokenSource? _current;
    private volatile FailoverState _state;

    public FailoverState State => _state;

    /// <summary>
    /// Runs one failover to completion. <paramref name="target"/> names a connected secondary by its replication
    /// address, or by the IP and RESP port INFO lists it at (what <c>FAILOVER TO host port</c> gives).
    /// </summary>
    /// <exception cref="ArgumentException">FORCE without both a target and a timeout; a timeout that is not positive.</exception>
    /// <exception cref="InvalidOperationException">Not a primary, no connected secondary, an unknown target, a failover in progress, or a refused handover (rolled back).</exception>
    /// <exception cref="TimeoutException">No secondary caught up within the timeout, without FORCE (rolled back).</exception>
    /// <exception cref="OperationCanceledException">Aborted (FAILOVER ABORT) or cancelled (rolled back).</exception>
    public async Task FailoverAsync(Uri? target, TimeSpan? timeout, bool force, CancellationToken cancellationToken)
    {
        if (ArgumentProblem(target, timeout, force) is { } problem)
        {
            // No parameter name: the message is Redis's whole error, which the RESP door replies as it is.
            throw new ArgumentException(problem);
        }

        if (state.Role != ReplicationRole.Primary)
        {
            throw new InvalidOperationException("FAILOVER is not valid when server is a replica.");
        }

        using var current = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (Interlocked.CompareExchange(ref _current, current, null) is not null)
        {
            throw new InvalidOperationException("FAILOVER already in progress.");
        }

        try
        {
            ConnectedReplica? named = Validate(target);
            await RunAsync(named, timeout, force, current.Token).ConfigureAwait(false);
        }
        finally
        {
            _state = FailoverState.None;
            pause.Resume();
            Volatile.Write(ref _current, null);
        }
    }

    /// <summary>What is wrong with the arguments, in Redis's words; null when nothing is.</summary>
    public static string? ArgumentProblem(Uri? target, TimeSpan? timeout, bool force) =>
        timeout <= TimeSpan.Zero ? "FAILOVER timeout must be greater than 0"
        : force && (target is null || timeout is null) ? "FAILOVER with force option requires both a timeout and target HOST and IP."
        : null;

    /// <summary>FAILOVER ABORT: false when no failover is in progress.</summary>
    public bool Abort()
    {
        if (Volatile.Read(ref _current) is not { } current)
        {
            return false;
        }

        try
        {
            current.Cancel();
        }
        catch (ObjectDisposedException)
        {
            return false; // it ended as the abort came
        }

        return true;
    }

    private ConnectedReplica? Validate(Uri? target)
    {
        ConnectedReplica[] online = Online();
        if (online.Length == 0)
        {
            throw new InvalidOperationException("FAILOVER requires connected replicas.");
        }

        if (target is null)
        {
            return null;
        }

        ConnectedReplica named = Array.Find(online, r => Matches(r, target))
            ?? throw new InvalidOperationException("FAILOVER target HOST and PORT is not a replica.");
        return named.Address is null
            ? throw new InvalidOperationException($"FAILOVER target {target} did not announce a replication address to connect to.")
            : named;
    }

    private async Task RunAsync(ConnectedReplica? named, TimeSpan? timeout, bool force, CancellationToken cancellationToken)
    {
        pause.Pause();
        _state = FailoverState.WaitingForSync;
        Log.Waiting(logger, state.NodeId, state.History.Id, log.EndOffset, named?.Address?.ToString() ?? "any caught-up secondary");
        DateTimeOffset? deadline = timeout is { } t ? options.TimeProvider.GetUtcNow() + t : null;
        var handover = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        ConnectedReplica chosen;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Task acknowledged = replicas.NextAcknowledgementAsync();
            replicas.RequestAcknowledgements(log.EndOffset); // writes are paused: the end stays where it is
            bool timedOut = deadline is { } d && options.TimeProvider.GetUtcNow() >= d;
            bool forced = timedOut && force;
            ConnectedReplica? candidate = named is not null
                ? (forced || CaughtUp(named) ? named : null)
                : Array.Find(Online(), r => r.Address is not null && CaughtUp(r));
            if (candidate is not null)
            {
                if (forced)
                {
                    Log.Forcing(logger, state.NodeId, state.History.Id, log.EndOffset, candidate.Address!, candidate.AckedOffset);
                }

                // Checked again under the write lock, where no write can move the log's end meanwhile.
                ConnectedReplica to = candidate;
                if (await links.StepDownForFailoverAsync(to.Address!, () => forced || CaughtUp(to), handover, cancellationToken).ConfigureAwait(false))
                {
                    chosen = to;
                    break;
                }
            }

            if (timedOut)
            {
                Log.Aborted(logger, state.NodeId, state.History.Id, log.EndOffset, "Replica never caught up before timeout");
                throw new TimeoutException("FAILOVER aborted: the replica never caught up before the timeout. This node stays the primary.");
            }

            TimeSpan wait = deadline is { } end ? Min(end - options.TimeProvider.GetUtcNow(), RecheckInterval) : RecheckInterval;
            try
            {
                await acknowledged.WaitAsync(wait > TimeSpan.Zero ? wait : TimeSpan.Zero, options.TimeProvider, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
            }
        }

        _state = FailoverState.InProgress;
        string? refused;
        try
        {
            // The handshake is answered at once by a target that takes over; past ReplicationTimeout it is not coming.
            refused = await handover.Task.WaitAsync(options.ReplicationTimeout, options.TimeProvider, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            refused = $"no answer from {chosen.Address} within ReplicationTimeout ({options.ReplicationTimeout.TotalSeconds:F1} s)";
        }
        catch (OperationCanceledException)
        {
            await RollBackAsync("aborted").ConfigureAwait(false);
            throw;
        }

        if (refused is not null)
        {
            await RollBackAsync(refused).ConfigureAwait(false);
            throw new InvalidOperationException($"FAILOVER aborted: the target {chosen.Address} rejected the handover ({refused}). This node is the primary again.");
        }

        Log.Completed(logger, state.NodeId, state.History.Id, log.EndOffset, chosen.Address!);
    }

    /// <summary>Undoes the step down: this node is a primary again (a new history id, the old one valid up to here).</summary>
    private async Task RollBackAsync(string reason)
    {
        Log.Aborted(logger, state.NodeId, state.History.Id, log.EndOffset, reason);
        await links.PromoteAsync(CancellationToken.None).ConfigureAwait(false);
    }

    private bool CaughtUp(ConnectedReplica replica) => replica.AckedOffset >= log.EndOffset && IsConnected(replica);

    private bool IsConnected(ConnectedReplica replica) => Array.IndexOf(replicas.Connected(), replica) >= 0;

    private ConnectedReplica[] Online() => Array.FindAll(replicas.Connected(), r => r.State == ReplicaSyncState.Online);

    /// <summary>The secondary's replication address, or the IP and RESP port INFO's <c>slaveN</c> line shows.</summary>
    private static bool Matches(ConnectedReplica replica, Uri target) =>
        (replica.Address is { } address && LoopCheck.SameAddress(address, target))
        || (replica.Ip == target.DnsSafeHost && (replica.RespPort != 0 ? replica.RespPort : replica.Address?.Port) == target.Port);

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
}
