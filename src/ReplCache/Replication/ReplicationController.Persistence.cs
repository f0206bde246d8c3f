using Microsoft.Extensions.Logging;
using ReplCache.Persistence;

namespace ReplCache.Replication;

internal sealed partial class ReplicationController
{
    private readonly SemaphoreSlim _saving = new(1, 1);
    private ITimer? _saveSchedule;
    private long _versionAtLastSave;
    private DateTimeOffset _lastSave;

    /// <summary>Starts the <see cref="ReplicatedCacheOptions.SnapshotInterval"/> schedule, checked every second of the node's clock.</summary>
    internal void StartSaveSchedule()
    {
        if (Options.SnapshotInterval is null || _saveSchedule is not null)
        {
            return;
        }

        _lastSave = Options.TimeProvider.GetUtcNow();
        _versionAtLastSave = Store.Version;
        TimeSpan check = TimeSpan.FromSeconds(1) < Options.SnapshotInterval.Value ? TimeSpan.FromSeconds(1) : Options.SnapshotInterval.Value;
        _saveSchedule = Options.TimeProvider.CreateTimer(static s => ((ReplicationController)s!).OnSaveScheduleTick(), this, check, check);
    }

    private void OnSaveScheduleTick()
    {
        DateTimeOffset now = Options.TimeProvider.GetUtcNow();
        long changes = Store.Version - Volatile.Read(ref _versionAtLastSave);
        if (now - _lastSave < Options.SnapshotInterval!.Value || changes < Options.SnapshotMinChanges || Stopping.IsCancellationRequested)
        {
            return;
        }

        _lastSave = now;
        _ = Task.Run(async () =>
        {
            try
            {
                await SaveSnapshotAsync(Stopping).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or OperationCanceledException)
            {
                Log.ScheduledSaveFailed(_logger, NodeId, Options.SnapshotPath!, ex.Message);
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
            SnapshotSummary summary = await SnapshotWriter.SaveAsync(this, path, cancellationToken).ConfigureAwait(false);
            Volatile.Write(ref _versionAtLastSave, version);
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
            Storage.IStoreObserver? observer = Store.Observer;
            Store.Observer = null; // loading is not a change to replicate
            try
            {
                identity = SnapshotReader.Load(path, Store);
            }
            catch (InvalidDataException ex) when (Options.StartEmptyOnBadSnapshot)
            {
                string aside = $"{Path.GetFullPath(path)}.bad-{DateTimeOffset.UtcNow.ToUnixTimeSeconds()}";
                File.Move(path, aside);
                Log.SnapshotRejected(_logger, NodeId, ex.Message, aside);
                Store.Observer = observer;
                return;
            }

            ReplicationLog.Reset(identity.Offset, "the node loaded its snapshot");
            if (Options.PrimaryAddress is null)
            {
                Volatile.Write(ref _history, new ReplicationHistory(ReplicationIds.NewId(), identity.ReplicationId, identity.Offset + 1));
                Store.Observer = observer;
                Store.RemoveAllExpired(); // expired while the node was down: removed, and the removals replicated
            }
            else
            {
                Volatile.Write(ref _history, new ReplicationHistory(identity.ReplicationId, ReplicationInfo.NoReplicationId, -1));
                _hasHistoryToContinue = true;
                Store.RemoveAllExpired(); // invisible anyway; the primary's own removals follow
                Store.Observer = observer;
            }
        }

        Log.SnapshotLoaded(_logger, NodeId, path, identity.Entries, identity.ReplicationId, identity.Offset, Store.PhysicalCount);
    }
}
