namespace ReplCache.FaultInjection.Group;

/// <summary>Which server the group runs: the same configuration, ports, seed and schedule for both.</summary>
public enum ServerKind
{
    ReplCache,
    Redis,
}
