using Microsoft.Extensions.Logging;
using ReplCache.Backlog;
using ReplCache.Diagnostics;
using ReplCache.Replication;
using ReplCache.Storage;

namespace ReplCache.Persistence;

/// <summary>
/// The node's snapshot file, <see cref="ReplicatedCacheOptions.SnapshotPath"/>: loaded once before the node serves
/// anything, saved on demand (SAVE, BGSAVE, a stop, the schedule), one save at a time.
/// </summary>
internal sealed partial class SnapshotPersistence(CacheStore store, ReplicationLog log, ReplicationState state, ReplicatedCacheOptions options, ILogger logger)
{
    private readonly SemaphoreSlim _saving = new(1, 1);
    private long _versionAtLastSave;
    private long _lastSaveTicks = options.TimeProvider.GetUtcNow().UtcTicks; // UTC ticks of the last successful save's start (Redis's lastsave)

    /// <summary>The store's version when the last successful save began: changes since then count towards the next.</summary>
    public long VersionAtLastSave => Volatile.Read(ref _versionAtLastSave);

    /// <summary>When the last successful save began (the node's start before any).</summary>
    public DateTimeOffset LastSave => new(Volatile.Read(ref _lastSaveTicks), TimeSpan.Zero);

    /// <summary>Starts counting time and changes from now, as a save would (the schedule's start).</summary>
    public void RestartSaveClock()
    {
        Volatile.Write(ref _lastSaveTicks, options.TimeProvider.GetUtcNow().UtcTicks);
        Volatile.Write(ref _versionAtLastSave, store.Version);
    }

    /// <summary>Saves the store to <see cref="ReplicatedCacheOptions.SnapshotPath"/>; one save at a time.</summary>
    public async Task<SnapshotSummary> SaveAsync(CancellationToken cancellationToken)
    {
        string path = options.SnapshotPath ?? throw new InvalidOperationException("ReplicatedCacheOptions.SnapshotPath is not set, so there is nowhere to save.");
        await _saving.WaitAsync(cancellationToken).ConfigureAwait(false);
        using TracedSpan span = ReplCacheTracing.Snapshot(save: true, state.NodeId, path);
        try
        {
            long version = store.Version;
            long startedTicks = options.TimeProvider.GetUtcNow().UtcTicks;
            SnapshotSummary summary = await SnapshotWriter.SaveAsync(store, log, state, path, cancellationToken).ConfigureAwait(false);
            // Any successful save — scheduled, SaveAsync, SHUTDOWN SAVE — restarts every save point's clock, as
            // Redis's lastsave and dirty counter; changes made while it ran still count towards the next one.
            Volatile.Write(ref _versionAtLastSave, version);
            Volatile.Write(ref _lastSaveTicks, startedTicks);
            Log.SnapshotSaved(logger, state.NodeId, summary.Path, summary.Entries, summary.ReplicationId, summary.Offset);
            span.Tag(ReplCacheTracing.EntriesTag, summary.Entries).Tag(ReplCacheTracing.OffsetTag, summary.Offset).Succeed();
            return summary;
        }
        catch (Exception ex)
        {
            span.Fail(ex);
            throw;
        }
        finally
        {
            _saving.Release();
        }
    }

    /// <summary>
    /// Loads <see cref="ReplicatedCacheOptions.SnapshotPath"/>, if the file exists, before the node serves anything; the
    /// node's history is taken from it (<see cref="ReplicationState.AdoptSnapshot"/>).
    /// </summary>
    /// <param name="asPrimary">Whether the node starts as a primary (a new history id) or follows a primary (the saved one).</param>
    /// <param name="cancellationToken">Abandons the load.</param>
    public async Task LoadAsync(bool asPrimary, CancellationToken cancellationToken)
    {
        if (options.SnapshotPath is not { } path || !File.Exists(path))
        {
            return;
        }

        using TracedSpan span = ReplCacheTracing.Snapshot(save: false, state.NodeId, path);
        try
        {
            await Task.Run(() => Load(path, asPrimary), cancellationToken).ConfigureAwait(false);
            span.Tag(ReplCacheTracing.EntriesTag, store.PhysicalCount).Succeed();
        }
        catch (Exception ex)
        {
            span.Fail(ex);
            throw;
        }
    }

    private void Load(string path, bool asPrimary)
    {
        SnapshotIdentity identity;
        lock (store.WriteLock)
        {
            try
            {
                // Loading is not a change to replicate: entries come in unreported. Expired ones are dropped after, on a
                // node that will be a primary with the removals replicated, on a secondary silently (its primary's own
                // removals follow).
                identity = store.RunUnreported(() => SnapshotReader.Load(path, store));
            }
            catch (InvalidDataException ex) when (options.StartEmptyOnBadSnapshot)
            {
                string aside = $"{Path.GetFullPath(path)}.bad-{DateTimeOffset.UtcNow.ToUnixTimeSeconds()}";
                File.Move(path, aside);
                Log.SnapshotRejected(logger, state.NodeId, ex.Message, aside);
                return;
            }

            log.Reset(identity.Offset, "the node loaded its snapshot");
            state.AdoptSnapshot(identity.ReplicationId, identity.Offset, asPrimary);
            if (asPrimary)
            {
                store.RemoveAllExpired();
            }
            else
            {
                store.RunUnreported(() => store.RemoveAllExpired());
            }
        }

        Log.SnapshotLoaded(logger, state.NodeId, path, identity.Entries, identity.ReplicationId, identity.Offset, store.PhysicalCount);
    }
}
