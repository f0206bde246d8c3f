using ReplCache.FaultInjection.Workloads;

namespace ReplCache.FaultInjection.Checking;

/// <summary>
/// One coordinated FAILOVER that handed over, checked the moment it did: how many acknowledged unique-key writes the
/// old primary held (or acknowledged since), and how many of them, by acknowledgement, the new primary lacked; the
/// first few of those described (key, acknowledgement, when against the FAILOVER and the handover), for the run's log.
/// </summary>
public sealed record HandoverCheck(int Fault, int Checked, IReadOnlyDictionary<Ack, int> Missing, IReadOnlyList<string> MissingDetail);
