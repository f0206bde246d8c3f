using Microsoft.Extensions.Logging;
using ReplCache.Storage;

namespace ReplCache.Persistence;

/// <summary>
/// Redis's <c>save</c> points: every <see cref="ReplicatedCacheOptions.SnapshotSavePoints"/> entry and the
/// <see cref="ReplicatedCacheOptions.SnapshotInterval"/> pair, checked every second of the node's clock; a save starts
/// as soon as any point is satisfied.
/// </summary>
internal sealed partial class SnapshotSchedule(SnapshotPersistence snapshots, CacheStore store, ReplicatedCacheOptions options, ILogger logger, string nodeId) : IDisposable
{
    /// <summary>After a failed scheduled save, the next try waits this long rather than a whole interval (Redis's CONFIG_BGSAVE_RETRY_DELAY).</summary>
    internal static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(5);

    private readonly CancellationTokenSource _stopping = new();
    private ITimer? _timer;
    private SnapshotSavePoint[] _points = [];
    private long _lastFailedSaveTicks;    // UTC ticks of the last failed scheduled save, 0 when the last one succeeded
    private int _running;

    /// <summary>Every save point in force.</summary>
    public static SnapshotSavePoint[] SavePoints(ReplicatedCacheOptions options) =>
        options.SnapshotInterval is { } interval
            ? [.. options.SnapshotSavePoints, new SnapshotSavePoint(interval, options.SnapshotMinChanges)]
            : [.. options.SnapshotSavePoints];

    /// <summary>Whether a scheduled save is in flight; a tick meanwhile starts none (tests wait for it to end).</summary>
    public bool IsSaveRunning => Volatile.Read(ref _running) != 0;

    /// <summary>Starts the schedule; a node without save points has none.</summary>
    public void Start()
    {
        SnapshotSavePoint[] points = SavePoints(options);
        if (points.Length == 0 || _timer is not null)
        {
            return;
        }

        _points = points;
        snapshots.RestartSaveClock();
        TimeSpan shortest = points.Min(p => p.Interval);
        TimeSpan check = TimeSpan.FromSeconds(1) < shortest ? TimeSpan.FromSeconds(1) : shortest;
        _timer = options.TimeProvider.CreateTimer(static s => ((SnapshotSchedule)s!).OnTick(), this, check, check);
    }

    public void Dispose()
    {
        _timer?.Dispose();
        _stopping.Cancel();
    }

    private void OnTick()
    {
        if (_stopping.IsCancellationRequested || Volatile.Read(ref _running) != 0)
        {
            return;
        }

        DateTimeOffset now = options.TimeProvider.GetUtcNow();
        long failedTicks = Volatile.Read(ref _lastFailedSaveTicks);
        if (failedTicks != 0 && now.UtcTicks - failedTicks < RetryDelay.Ticks)
        {
            return;
        }

        // Redis's serverCron rule: save as soon as ANY point is satisfied — enough time since the last save
        // (scheduled or explicit) and enough changes since it.
        TimeSpan sinceLastSave = now - snapshots.LastSave;
        long changes = store.Version - snapshots.VersionAtLastSave;
        if (!Array.Exists(_points, p => sinceLastSave >= p.Interval && changes >= p.MinChanges)
            || Interlocked.Exchange(ref _running, 1) != 0)
        {
            return;
        }

        _ = Task.Run(async () =>
        {
            try
            {
                await snapshots.SaveAsync(_stopping.Token).ConfigureAwait(false);
                Volatile.Write(ref _lastFailedSaveTicks, 0);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or OperationCanceledException)
            {
                Volatile.Write(ref _lastFailedSaveTicks, options.TimeProvider.GetUtcNow().UtcTicks);
                Log.ScheduledSaveFailed(logger, nodeId, options.SnapshotPath!, ex.Message);
            }
            finally
            {
                Volatile.Write(ref _running, 0);
            }
        });
    }
}
