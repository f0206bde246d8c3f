using ReplCache.FaultInjection.Group;
using ReplCache.FaultInjection.Nemeses;
using ReplCache.FaultInjection.Workloads;

namespace ReplCache.FaultInjection.Checking;

/// <summary>What one run found, for one server kind.</summary>
public sealed class RunResult
{
    public required ServerKind Kind { get; init; }

    public required int Seed { get; init; }

    public required IReadOnlyList<ScheduledFault> Schedule { get; init; }

    /// <summary>Acknowledged writes, by fault kind (or "none") and acknowledgement.</summary>
    public Dictionary<(string Fault, Ack Ack), int> Acknowledged { get; } = [];

    /// <summary>Acknowledged writes missing at the end (sets absent, deletions undone), by fault kind and acknowledgement.</summary>
    public Dictionary<(string Fault, Ack Ack), int> Lost { get; } = [];

    /// <summary>Keys whose deletion every secondary acknowledged (WAIT 2), present again at the end.</summary>
    public int Resurrected { get; set; }

    /// <summary>Reads on one node that returned an older version than an earlier read there, with no resync in between.</summary>
    public int TimeTravels { get; set; }

    /// <summary>Reads that found a key sent after its deadline.</summary>
    public int ReadsPastExpiry { get; set; }

    public int ExpiryReadsChecked { get; set; }

    public bool DigestsEqual { get; set; }

    /// <summary>When the digests differ: what each node holds, to see how.</summary>
    public List<string> Divergence { get; } = [];

    public required IReadOnlyList<long> FullSyncs { get; init; }

    /// <summary>Whether some node served 4 or more full syncs within 10 s: a full-sync loop.</summary>
    public bool FullSyncLoop { get; set; }

    public int Crashes { get; set; }

    /// <summary>What each crashed node printed last.</summary>
    public List<string> CrashReports { get; } = [];

    public required IReadOnlyList<long> MaxRssBytes { get; init; }

    public long WriteErrors { get; set; }

    public int TotalLost => Lost.Values.Sum();

    public int TotalAcknowledged => Acknowledged.Values.Sum();

    /// <summary>Acknowledged writes lost under a coordinated FAILOVER: none may be, whatever the acknowledgement.</summary>
    public int LostUnderCoordinatedFailover => Lost.Where(l => l.Key.Fault == nameof(Fault.CoordinatedFailover)).Sum(l => l.Value);
}
