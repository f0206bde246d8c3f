using Microsoft.Extensions.Logging;
using ReplCache.Backlog;
using ReplCache.Replication;
using ReplCache.Replication.Primary;

namespace ReplCache.Hosting;

/// <summary>
/// A shutdown an operator asked for (<c>SHUTDOWN</c>, or replcache-server's SIGTERM), as Redis 7 runs it: a primary
/// first waits — up to the drain timeout, Redis's <c>shutdown-timeout</c> — for its secondaries to acknowledge what
/// it has written, and while it waits, <c>SHUTDOWN ABORT</c> cancels it and the node serves on (Redis's
/// <c>prepareForShutdown</c>, <c>abortShutdown</c>). A second request while one waits joins it, as Redis blocks a
/// second SHUTDOWN client beside the first.
/// </summary>
internal sealed partial class OperatorShutdown(
    ReplicationState state,
    ReplicaRegistry replicas,
    ReplicationLog log,
    TimeSpan drainTimeout,
    Func<bool?, Task> stopWithoutDrain,
    ILogger logger)
{
    private readonly Lock _gate = new();
    private Waiting? _waiting;

    /// <summary>
    /// Starts a shutdown, or joins the one waiting. <paramref name="now"/> (Redis's NOW) skips the wait.
    /// </summary>
    /// <returns>
    /// Completes when the wait ends: with the stop, which has begun (its failures are in that task), or with null
    /// when the shutdown was aborted and the node serves on.
    /// </returns>
    public Task<Task?> RequestAsync(bool? save, bool now)
    {
        lock (_gate)
        {
            if (_waiting is { } inProgress)
            {
                return inProgress.Decided.Task;
            }

            var waiting = _waiting = new Waiting();
            _ = RunAsync(waiting, save, now);
            return waiting.Decided.Task;
        }
    }

    /// <summary>Redis's <c>SHUTDOWN ABORT</c>: cancels a shutdown that is still waiting for its secondaries.</summary>
    /// <returns>False when none waits (none was asked for, or it has gone past the wait and the node is stopping).</returns>
    public bool Abort()
    {
        lock (_gate)
        {
            if (_waiting is not { } waiting || waiting.Proceeding)
            {
                return false;
            }

            _waiting = null;
            waiting.Abort.Cancel();
        }

        Log.Aborted(logger, state.NodeId);
        return true;
    }

    private async Task RunAsync(Waiting waiting, bool? save, bool now)
    {
        await Task.Yield(); // not under the gate, nor on the caller's thread
        if (!now && state.Role == ReplicationRole.Primary && replicas.Connected().Length is var waitingFor and > 0)
        {
            Log.WaitingForReplicas(logger, state.NodeId, waitingFor, log.EndOffset);
            await replicas.DrainAsync(drainTimeout, waiting.Abort.Token).ConfigureAwait(false);
        }

        lock (_gate)
        {
            // Decided under the gate, so an ABORT answered +OK is never followed by the stop it aborted.
            if (waiting.Abort.IsCancellationRequested)
            {
                waiting.Abort.Dispose();
                waiting.Decided.TrySetResult(null);
                return;
            }

            waiting.Proceeding = true;
            waiting.Abort.Dispose();
        }

        ConnectedReplica[] connected = replicas.Connected();
        if (connected.Length > 0)
        {
            long end = log.EndOffset;
            Log.InSync(logger, state.NodeId, Array.FindAll(connected, r => r.AckedOffset >= end).Length, connected.Length);
        }

        Task stopping = stopWithoutDrain(save);
        waiting.Decided.TrySetResult(stopping);
        await stopping.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private sealed class Waiting
    {
        public TaskCompletionSource<Task?> Decided { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public CancellationTokenSource Abort { get; } = new();

        /// <summary>Past the wait: too late to abort.</summary>
        public bool Proceeding { get; set; }
    }
}
