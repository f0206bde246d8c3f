using System.Collections.Concurrent;
using System.Globalization;
using ReplCache.FaultInjection.Group;
using ReplCache.FaultInjection.Workloads;

namespace ReplCache.FaultInjection.Checking;

/// <summary>
/// Samples every node's INFO four times a second for the whole run: full syncs each node served (summed across its
/// restarts), the moments a node's data stopped continuing its history (its replication id replaced by one that does
/// not name the old one as its predecessor: a full resync), and the largest resident memory each node reached.
/// </summary>
public sealed class Monitor(Cluster cluster, History history)
{
    private readonly long[] _fullSyncs = new long[cluster.Nodes.Length];
    private readonly long[] _lastSyncFull = new long[cluster.Nodes.Length];
    private readonly long[] _maxRss = new long[cluster.Nodes.Length];
    private readonly (string Id, string Id2)?[] _lastIds = new (string, string)?[cluster.Nodes.Length];

    /// <summary>Full syncs served, per node.</summary>
    public IReadOnlyList<long> FullSyncs => _fullSyncs;

    /// <summary>
    /// When a node was seen to have resynced in full from its primary: its replication id replaced by one that does not
    /// name the old one as its predecessor, other than by a restart. Sampled, so resyncs closer together than a sample count once.
    /// </summary>
    public ConcurrentQueue<(int Node, TimeSpan At)> FullResyncsReceivedAt { get; } = new();

    public IReadOnlyList<long> MaxRssBytes => _maxRss;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                await SampleAsync(cancellationToken).ConfigureAwait(false);
                await Task.Delay(250, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public async Task SampleAsync(CancellationToken cancellationToken)
    {
        for (int node = 0; node < cluster.Nodes.Length; node++)
        {
            Dictionary<string, string> info = await cluster.InfoAsync(node, cancellationToken).ConfigureAwait(false);
            if (info.Count == 0)
            {
                continue;
            }

            long syncFull = long.Parse(info.GetValueOrDefault("sync_full", "0"), CultureInfo.InvariantCulture);
            // A restarted process counts from zero again.
            long delta = syncFull >= _lastSyncFull[node] ? syncFull - _lastSyncFull[node] : syncFull;
            _fullSyncs[node] += delta;

            _lastSyncFull[node] = syncFull;
            _maxRss[node] = Math.Max(_maxRss[node], long.Parse(info.GetValueOrDefault("used_memory_rss", "0"), CultureInfo.InvariantCulture));

            (string Id, string Id2) ids = (info.GetValueOrDefault("master_replid", ""), info.GetValueOrDefault("master_replid2", ""));
            if (_lastIds[node] is { } last && ids.Id != last.Id && ids.Id2 != last.Id)
            {
                history.HistoryBreaks.GetOrAdd(node, _ => new()).Enqueue(history.Now);
                FullResyncsReceivedAt.Enqueue((node, history.Now));
            }

            _lastIds[node] = ids;
        }
    }

    /// <summary>A node restarted: its history may begin again without a break being a fault of replication.</summary>
    public void Restarted(int node)
    {
        _lastSyncFull[node] = 0;
        _lastIds[node] = null;
        history.HistoryBreaks.GetOrAdd(node, _ => new()).Enqueue(history.Now);
    }
}
