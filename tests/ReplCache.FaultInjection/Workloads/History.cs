using System.Collections.Concurrent;
using System.Diagnostics;

namespace ReplCache.FaultInjection.Workloads;

/// <summary>How a write was acknowledged: +OK alone, or +OK followed by WAIT reaching 1 or 2 secondaries.</summary>
public enum Ack
{
    Plain,
    Wait1,
    Wait2,
}

/// <summary>An acknowledged write of a unique key (or the deletion of one), and the nemesis in force when it was acknowledged.</summary>
public sealed record AckedWrite(string Key, bool IsDelete, Ack Ack, int Nemesis, TimeSpan At);

/// <summary>The unique keys the primary held after a fault's quiet period, and when they were asked for.</summary>
public sealed record Checkpoint(TimeSpan At, HashSet<string> Keys);

/// <summary>A read of a hot key on one node: the version it returned.</summary>
public sealed record VersionRead(int Node, string Key, long Version, TimeSpan At);

/// <summary>A read of an expiring key on one node, sent at <paramref name="SentAt"/>, and whether it found the key.</summary>
public sealed record ExpiryRead(int Node, string Key, TimeSpan AckedAt, TimeSpan Ttl, TimeSpan SentAt, bool Found);

/// <summary>
/// Everything the workloads saw, for the checkers: timestamps from one clock started with the run; the nemesis index
/// names the fault in force (-1: none).
/// </summary>
public sealed class History
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private volatile int _nemesis = -1;

    public TimeSpan Now => _clock.Elapsed;

    /// <summary>The fault in force now: its index in the schedule, or -1 between faults.</summary>
    public int Nemesis
    {
        get => _nemesis;
        set => _nemesis = value;
    }

    public ConcurrentQueue<AckedWrite> Writes { get; } = new();

    /// <summary>Keys whose deletion was sent but not acknowledged: their final state proves nothing.</summary>
    public ConcurrentDictionary<string, byte> UncertainDeletes { get; } = new();

    public ConcurrentQueue<VersionRead> VersionReads { get; } = new();

    public ConcurrentQueue<ExpiryRead> ExpiryReads { get; } = new();

    /// <summary>Per node, the moments its data stopped continuing its history (a full resync that replaced it).</summary>
    public ConcurrentDictionary<int, ConcurrentQueue<TimeSpan>> HistoryBreaks { get; } = new();

    /// <summary>Each coordinated FAILOVER that handed over, checked the moment it did.</summary>
    public ConcurrentQueue<Checking.HandoverCheck> Handovers { get; } = new();

    public long WriteErrors;

    /// <summary>
    /// After each fault's quiet period, the unique keys the primary the Sentinels named then held, by fault index:
    /// a key missing at the end is lost by the fault at whose checkpoint it went missing for good.
    /// </summary>
    public ConcurrentDictionary<int, Checkpoint> Checkpoints { get; } = new();
}
