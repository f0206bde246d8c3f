using System.Diagnostics.Metrics;

namespace ReplCache.Diagnostics;

/// <summary>
/// One node's instruments on the <c>ReplCache</c> meter. Figures the node already keeps (entries, offsets, syncs,
/// replica lag) are observed when a collector asks, so they cost nothing between collections; only cache requests
/// are counted as they happen, and only while someone listens.
/// </summary>
/// <remarks>
/// The meter carries the node id as a tag, so several nodes in one process (tests, the demo) stay apart, and a
/// factory-made meter is one per node rather than one shared instance whose instruments several nodes would fight over.
/// </remarks>
internal sealed class ReplCacheMetrics : IDisposable
{
    private static readonly KeyValuePair<string, object?> Hit = new(ReplCacheInstruments.ResultTag, "hit");
    private static readonly KeyValuePair<string, object?> Miss = new(ReplCacheInstruments.ResultTag, "miss");
    private static readonly PrimaryLinkStatus[] LinkStates = Enum.GetValues<PrimaryLinkStatus>();

    private readonly IMetricsSource _source;
    private readonly Meter _meter;
    private readonly bool _ownsMeter;
    private readonly Counter<long> _requests;
    private long _bytesReceived;

    public ReplCacheMetrics(string nodeId, IMetricsSource source, IMeterFactory? factory, string? cacheName = null)
    {
        _source = source;
        var options = new MeterOptions(ReplCacheInstruments.MeterName)
        {
            // A keyed cache's name tells its group apart on a dashboard; node ids alone change with every restart.
            Tags = cacheName is null
                ? [new KeyValuePair<string, object?>(ReplCacheInstruments.NodeTag, nodeId)]
                : [new KeyValuePair<string, object?>(ReplCacheInstruments.NodeTag, nodeId), new KeyValuePair<string, object?>(ReplCacheInstruments.CacheNameTag, cacheName)],
        };
        _ownsMeter = factory is null;
        _meter = factory?.Create(options) ?? new Meter(options);

        _requests = _meter.CreateCounter<long>(ReplCacheInstruments.Requests, "{request}", "Cache reads, by result (hit or miss).");
        _meter.CreateObservableUpDownCounter(ReplCacheInstruments.Entries, () => source.Entries, "{entry}", "Entries held, expired ones not yet reclaimed included.");
        _meter.CreateObservableUpDownCounter(ReplCacheInstruments.Size, () => source.SizeBytes, "By", "Estimated bytes held by entries (what SizeLimitBytes bounds).");
        _meter.CreateObservableCounter(ReplCacheInstruments.Evictions, () => source.Evictions, "{entry}", "Entries evicted to stay under SizeLimitBytes.");
        _meter.CreateObservableCounter(ReplCacheInstruments.Expirations, () => source.Expirations, "{entry}", "Entries removed because their deadline passed (on a primary).");
        _meter.CreateObservableGauge(ReplCacheInstruments.Offset, () => source.Offset, "By", "Replication offset: stream produced (primary) or applied (secondary).");
        _meter.CreateObservableGauge(ReplCacheInstruments.ReplicaLag, ReplicaLagBytes, "By", "How far each connected secondary's acknowledged offset is behind this node's.");
        _meter.CreateObservableGauge(ReplCacheInstruments.ReplicaLagTime, ReplicaLagSeconds, "s", "Time since each connected secondary was last heard from.");
        _meter.CreateObservableCounter(ReplCacheInstruments.Syncs, Syncs, "{sync}", "Resyncs this node served, by kind (full, partial) and, for partial ones, result.");
        _meter.CreateObservableCounter(ReplCacheInstruments.Sent, () => source.BytesSent, "By", "Replication payload bytes sent to secondaries.");
        _meter.CreateObservableCounter(ReplCacheInstruments.Received, () => Volatile.Read(ref _bytesReceived), "By", "Replication payload bytes received from the primary.");
        _meter.CreateObservableGauge(ReplCacheInstruments.LinkState, LinkState, "{state}", "1 for the state the link to the primary is in (none on a primary), 0 for the others.");
    }

    /// <summary>A cache read's outcome. Free while nobody listens.</summary>
    public void CountLookup(bool hit)
    {
        if (_requests.Enabled)
        {
            _requests.Add(1, hit ? Hit : Miss);
        }
    }

    /// <summary>Replication payload bytes received from the primary.</summary>
    public void CountReceived(long bytes)
    {
        if (bytes > 0)
        {
            Interlocked.Add(ref _bytesReceived, bytes);
        }
    }

    public void Dispose()
    {
        if (_ownsMeter)
        {
            _meter.Dispose(); // a factory's meters are the factory's to dispose
        }
    }

    private IEnumerable<Measurement<long>> ReplicaLagBytes()
    {
        long offset = _source.Offset;
        foreach ((string nodeId, long acked, _) in _source.Replicas())
        {
            yield return new Measurement<long>(Math.Max(0, offset - acked), new KeyValuePair<string, object?>(ReplCacheInstruments.ReplicaTag, nodeId));
        }
    }

    private IEnumerable<Measurement<double>> ReplicaLagSeconds()
    {
        foreach ((string nodeId, _, TimeSpan sinceLastHeard) in _source.Replicas())
        {
            yield return new Measurement<double>(sinceLastHeard.TotalSeconds, new KeyValuePair<string, object?>(ReplCacheInstruments.ReplicaTag, nodeId));
        }
    }

    private IEnumerable<Measurement<long>> Syncs()
    {
        yield return new Measurement<long>(_source.FullSyncs, new KeyValuePair<string, object?>(ReplCacheInstruments.KindTag, "full"));
        yield return new Measurement<long>(_source.PartialSyncsAccepted, new(ReplCacheInstruments.KindTag, "partial"), new(ReplCacheInstruments.ResultTag, "accepted"));
        yield return new Measurement<long>(_source.PartialSyncsRejected, new(ReplCacheInstruments.KindTag, "partial"), new(ReplCacheInstruments.ResultTag, "rejected"));
    }

    private IEnumerable<Measurement<int>> LinkState()
    {
        PrimaryLinkStatus current = _source.LinkStatus;
        foreach (PrimaryLinkStatus state in LinkStates)
        {
            yield return new Measurement<int>(state == current ? 1 : 0, new KeyValuePair<string, object?>(ReplCacheInstruments.StateTag, state.ToString().ToLowerInvariant()));
        }
    }
}
