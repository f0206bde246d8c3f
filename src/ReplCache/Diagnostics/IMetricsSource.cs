namespace ReplCache.Diagnostics;

/// <summary>
/// The figures a node's instruments observe, read when a collector asks. Diagnostics owns this shape and knows nothing
/// of where the figures live; the node's core supplies them.
/// </summary>
internal interface IMetricsSource
{
    /// <summary>Entries held, expired ones not yet reclaimed included.</summary>
    long Entries { get; }

    /// <summary>Estimated bytes held by entries (what SizeLimitBytes bounds).</summary>
    long SizeBytes { get; }

    long Evictions { get; }

    long Expirations { get; }

    /// <summary>The replication offset: produced on a primary, applied on a secondary.</summary>
    long Offset { get; }

    /// <summary>Replication payload bytes sent to secondaries, those gone included.</summary>
    long BytesSent { get; }

    long FullSyncs { get; }

    long PartialSyncsAccepted { get; }

    long PartialSyncsRejected { get; }

    PrimaryLinkStatus LinkStatus { get; }

    /// <summary>Each connected secondary: its id, the offset it acknowledged (-1 before any), and how long since it was heard.</summary>
    IEnumerable<(string NodeId, long AckedOffset, TimeSpan SinceLastHeard)> Replicas();
}
