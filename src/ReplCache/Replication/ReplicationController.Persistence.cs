using Microsoft.Extensions.Logging;
using ReplCache.Persistence;

namespace ReplCache.Replication;

internal sealed partial class ReplicationController
{
    private readonly SemaphoreSlim _saving = new(1, 1);

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
            SnapshotSummary summary = await SnapshotWriter.SaveAsync(this, path, cancellationToken).ConfigureAwait(false);
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
