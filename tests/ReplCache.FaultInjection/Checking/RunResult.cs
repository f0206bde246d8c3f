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

    /// <summary>
    /// Acknowledged writes missing at the end (sets absent, deletions undone), by the fault kind that lost them: the
    /// fault at whose checkpoint (after its quiet period) the key was gone and stayed gone; <see cref="FinalHealing"/>
    /// when it was still there at the last checkpoint.
    /// </summary>
    public Dictionary<(string Fault, Ack Ack), int> Lost { get; } = [];

    /// <summary>
    /// Per fault kind, summed over its occurrences: the acknowledged writes that one occurrence could lose, being
    /// acknowledged before its checkpoint and not lost by an earlier fault. The denominator of <see cref="ShareLost"/>.
    /// </summary>
    public Dictionary<(string Fault, Ack Ack), int> AtRisk { get; } = [];

    /// <summary>The row of losses that came after the last fault's checkpoint, with the healing before the final check.</summary>
    public const string FinalHealing = "(final healing)";

    /// <summary>The first few writes acknowledged by WAIT that were lost: key, when, and the fault charged, for the run's log.</summary>
    public List<string> LostWithWait { get; } = [];

    /// <summary>
    /// Lost +OK writes by the fault charged with them and when each was acknowledged relative to that fault's start
    /// (<see cref="LossAccounting.TimingBucket"/>): before it (in the primary's replication lag when it stopped) or
    /// during it (taken by a node the fault was about to overrule).
    /// </summary>
    public Dictionary<(string Fault, string When), int> LostPlainByTiming { get; } = [];

    /// <summary>Every lost write, one line each (key, acknowledgement, when, the fault charged), for a kept run's directory.</summary>
    public List<string> LostWrites { get; } = [];

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

    /// <summary>Whether some node resynced in full 4 or more times within 10 s: a full-sync loop (<see cref="FullSyncLoopCheck"/>).</summary>
    public bool FullSyncLoop { get; set; }

    /// <summary>Each such burst: the node, the times, the faults in force, for the run's log.</summary>
    public List<string> FullSyncBursts { get; } = [];

    public int Crashes { get; set; }

    /// <summary>What each crashed node printed last.</summary>
    public List<string> CrashReports { get; } = [];

    public required IReadOnlyList<long> MaxRssBytes { get; init; }

    public long WriteErrors { get; set; }

    public int TotalLost => Lost.Values.Sum();

    /// <summary>Writes <paramref name="fault"/> lost over those it put at risk, every acknowledgement together; 0 for an empty row.</summary>
    public double ShareLost(string fault)
    {
        int atRisk = AtRisk.Where(a => a.Key.Fault == fault).Sum(a => a.Value);
        return atRisk == 0 ? 0 : (double)Lost.Where(l => l.Key.Fault == fault).Sum(l => l.Value) / atRisk;
    }

    public int TotalAcknowledged => Acknowledged.Values.Sum();

    /// <summary>Coordinated FAILOVERs that handed over, each checked the moment it did.</summary>
    public IReadOnlyList<HandoverCheck> Handovers { get; init; } = [];

    /// <summary>Writes acknowledged with WAIT before a coordinated FAILOVER that the new primary lacked once it took over: none may be.</summary>
    public int LostAtHandoverWithWait => Handovers.Sum(h => h.Missing[Ack.Wait1] + h.Missing[Ack.Wait2]);

    /// <summary>The same for writes acknowledged by +OK alone.</summary>
    public int LostAtHandoverPlain => Handovers.Sum(h => h.Missing[Ack.Plain]);

    /// <summary>Acknowledged writes charged to a coordinated FAILOVER at the end of the run, Sentinel's reaction to it included.</summary>
    public int LostUnderCoordinatedFailover => Lost.Where(l => l.Key.Fault == nameof(Fault.CoordinatedFailover)).Sum(l => l.Value);
}
