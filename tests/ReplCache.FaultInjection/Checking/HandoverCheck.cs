using ReplCache.FaultInjection.Workloads;

namespace ReplCache.FaultInjection.Checking;

/// <summary>
/// One coordinated FAILOVER that handed over, checked the moment it did: how many acknowledged unique-key writes the
/// old primary held (or acknowledged since), and how many of them, by acknowledgement, the new primary lacked.
/// </summary>
public sealed record HandoverCheck(int Fault, int Checked, IReadOnlyDictionary<Ack, int> Missing);
