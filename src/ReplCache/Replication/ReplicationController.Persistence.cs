using Microsoft.Extensions.Logging;
using ReplCache.Persistence;

namespace ReplCache.Replication;

internal sealed partial class ReplicationController
{
    /// <summary>After a failed scheduled save, the next try waits this long rather than a whole interval (Redis's CONFIG_BGSAVE_RETRY_DELAY).</summary>
    internal static readonly TimeSpan ScheduledSaveRetryDelay = TimeSpan.FromSeconds(5);

    private readonly SemaphoreSlim _saving = new(1, 1);
    private ITimer? _saveSchedule;
    private SnapshotSavePoint[] _savePoints = [];
    private long _versionAtLastSave;
    private long _lastSaveTicks;          // UTC ticks of the last successful save's start (Redis's lastsave); long for atomic reads
    private long _lastFailedSaveTicks;    // UTC ticks of the last failed scheduled save, 0 when the last one succeeded
    private int _scheduledSaveRunning;

    /// <summary>Every save point in force: <see cref="ReplicatedCacheOptions.SnapshotSavePoints"/> and the <see cref="ReplicatedCacheOptions.SnapshotInterval"/> pair.</summary>
    internal SnapshotSavePoint[] SavePoints() =>
        Options.SnapshotInterval is { } interval
            ? [.. Options.SnapshotSavePoints, new SnapshotSavePoint(interval, Options.SnapshotMinChanges)]
            : [.. Options.SnapshotSavePoints];

    /// <summary>
    /// Starts the save schedule — every <see cref="ReplicatedCacheOptions.SnapshotSavePoints"/> entry and the
    /// <see cref="ReplicatedCacheOptions.SnapshotInterval"/> pair — checked every second of the node's clock.
    /// </summary>
    internal void StartSaveSchedule()
    {
        SnapshotSavePoint[] points = SavePoints();
        if (points.Length == 0 || _saveSchedule is not null)
        {
            return;
        }

        _savePoints = points;
        Volatile.Write(ref _lastSaveTicks, Options.TimeProvider.GetUtcNow().UtcTicks);
        _versionAtLastSave = Store.Version;
        TimeSpan shortest = points.Min(p => p.Interval);
        TimeSpan check = TimeSpan.FromSeconds(1) < shortest ? TimeSpan.FromSeconds(1) : shortest;
        _saveSchedule = Options.TimeProvider.CreateTimer(static s => ((ReplicationController)s!).OnSaveScheduleTick(), this, check, check);
    }

    /// <summary>Whether a scheduled save is in flight; a tick meanwhile starts none (tests wait for it to end).</summary>
    internal bool IsScheduledSaveRunning => Volatile.Read(ref _scheduledSaveRunning) != 0;

    private void OnSaveScheduleTick()
    {
        if (Stopping.IsCancellationRequested || Volatile.Read(ref _scheduledSaveRunning) != 0)
        {
            return;
        }

        DateTimeOffset now = Options.TimeProvider.GetUtcNow();
        long failedTicks = Volatile.Read(ref _lastFailedSaveTicks);
        if (failedTicks != 0 && now.UtcTicks - failedTicks < ScheduledSaveRetryDelay.Ticks)
        {
            return;
        }

        // Redis's serverCron rule: save as soon as ANY point is satisfied — enough time since the last save
        // (scheduled or explicit) and enough changes since it.
        TimeSpan sinceLastSave = TimeSpan.FromTicks(now.UtcTicks - Volatile.Read(ref _lastSaveTicks));
        long changes = Store.Version - Volatile.Read(ref _versionAtLastSave);
        if (!Array.Exists(_savePoints, p => sinceLastSave >= p.Interval && changes >= p.MinChanges)
            || Interlocked.Exchange(ref _scheduledSaveRunning, 1) != 0)
        {
            return;
        }

        _ = Task.Run(async () =>
        {
            try
            {
                await SaveSnapshotAsync(Stopping).ConfigureAwait(false);
                Volatile.Write(ref _lastFailedSaveTicks, 0);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or OperationCanceledException)
            {
                Volatile.Write(ref _lastFailedSaveTicks, Options.TimeProvider.GetUtcNow().UtcTicks);
                Log.ScheduledSaveFailed(_logger, NodeId, Options.SnapshotPath!, ex.Message);
            }
            finally
            {
                Volatile.Write(ref _scheduledSaveRunning, 0);
            }
        });
    }

    /// <summary>
    /// Loads <see cref="ReplicatedCacheOptions.SnapshotPath"/> before the node serves anything. As Redis 7 does with
    /// the id and offset in its RDB, a node that will be a primary takes a new replication id and keeps the saved
    /// one as <c>ReplicationId2</c> up to the saved offset, so its secondaries resync partially; a node that will
    /// be a secondary keeps the saved id and offset and asks its primary to continue from there.
    /// </summary>
    internal async Task LoadSnapshotAsync(CancellationToken cancellationToken)
    {
        if (Options.SnapshotPath is not { } path || !File.Exists(path))
        {
            return;
        }

        await Task.Run(() => LoadSnapshot(path), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Saves the store to <see cref="ReplicatedCacheOptions.SnapshotPath"/>; one save at a time.</summary>
    internal async Task<SnapshotSummary> SaveSnapshotAsync(CancellationToken cancellationToken)
    {
        string path = Options.SnapshotPath ?? throw new InvalidOperationException("ReplicatedCacheOptions.SnapshotPath is not set, so there is nowhere to save.");
        await _saving.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            long version = Store.Version;
            long startedTicks = Options.TimeProvider.GetUtcNow().UtcTicks;
            SnapshotSummary summary = await SnapshotWriter.SaveAsync(this, path, cancellationToken).ConfigureAwait(false);
            // Any successful save — scheduled, SaveAsync, SHUTDOWN SAVE — restarts every save point's clock, as
            // Redis's lastsave and dirty counter; changes made while it ran still count towards the next one.
            Volatile.Write(ref _versionAtLastSave, version);
            Volatile.Write(ref _lastSaveTicks, startedTicks);
            Log.SnapshotSaved(_logger, NodeId, summary.Path, summary.Entries, summary.ReplicationId, summary.Offset);
            return summary;
        }
        finally
        {
            _saving.Release();
        }
    }

    private void LoadSnapshot(string path)
    {
        SnapshotIdentity identity;
        lock (Store.WriteLock)
        {
            try
            {
                identity = Store.RunUnreported(() => SnapshotReader.Load(path, Store)); // loading is not a change to replicate
            }
            catch (InvalidDataException ex) when (Options.StartEmptyOnBadSnapshot)
            {
                string aside = $"{Path.GetFullPath(path)}.bad-{DateTimeOffset.UtcNow.ToUnixTimeSeconds()}";
                File.Move(path, aside);
                Log.SnapshotRejected(_logger, NodeId, ex.Message, aside);
                return;
            }

            ReplicationLog.Reset(identity.Offset, "the node loaded its snapshot");
            if (Options.PrimaryAddress is null)
            {
                Volatile.Write(ref _history, new ReplicationHistory(ReplicationIds.NewId(), identity.ReplicationId, identity.Offset + 1));
                Store.RemoveAllExpired(); // expired while the node was down: removed, and the removals replicated
            }
            else
            {
                Volatile.Write(ref _history, new ReplicationHistory(identity.ReplicationId, ReplicationInfo.NoReplicationId, -1));
                _hasHistoryToContinue = true;
                Store.RunUnreported(Store.RemoveAllExpired); // invisible anyway; the primary's own removals follow
            }
        }

        Log.SnapshotLoaded(_logger, NodeId, path, identity.Entries, identity.ReplicationId, identity.Offset, Store.PhysicalCount);
    }
}
