namespace ReplCache.Replication;

/// <summary>
/// Redis's <c>CLIENT PAUSE WRITE</c> as FAILOVER uses it: while paused, writes wait at their door (they are not
/// refused) and reads go on; on resume the waiting writes proceed, and meet whatever the node has become — a
/// secondary after a completed failover answers them READONLY (or forwards them), a primary after an abort applies them.
/// </summary>
/// <remarks>
/// The pause only lets the secondary catch up. Exactness does not depend on it: the failover compares the
/// secondary's acknowledged offset with the log's end and steps down under the store's write lock, so a write that
/// passed the door just before the pause is either in the offset compared or refused as on a secondary.
/// </remarks>
internal sealed class WritePause
{
    private TaskCompletionSource? _resumed;

    public bool IsPaused => Volatile.Read(ref _resumed) is not null;

    /// <summary>Starts a pause; false when one is already in force.</summary>
    public bool Pause() =>
        Interlocked.CompareExchange(ref _resumed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), null) is null;

    /// <summary>Ends the pause and lets every waiting write proceed.</summary>
    public void Resume() => Interlocked.Exchange(ref _resumed, null)?.TrySetResult();

    /// <summary>Completes when no pause is in force.</summary>
    public Task WaitAsync(CancellationToken cancellationToken) =>
        Volatile.Read(ref _resumed) is { } resumed ? resumed.Task.WaitAsync(cancellationToken) : Task.CompletedTask;

    /// <summary>Blocks while a pause is in force: the synchronous IDistributedCache methods, which block for a forwarded write too.</summary>
    public void Wait()
    {
        if (Volatile.Read(ref _resumed) is { } resumed)
        {
            resumed.Task.GetAwaiter().GetResult();
        }
    }
}
