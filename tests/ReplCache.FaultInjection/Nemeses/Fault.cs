namespace ReplCache.FaultInjection.Nemeses;

/// <summary>The faults a schedule draws from, each applied for a while and then healed.</summary>
public enum Fault
{
    /// <summary>kill -9 of the primary; restarted (with its snapshot) when healed.</summary>
    KillPrimary,

    /// <summary>kill -9 of the primary, restarted at once without its snapshot: a primary back empty before anyone noticed.</summary>
    RestartPrimaryEmpty,

    /// <summary>kill -9 of a secondary; restarted with its snapshot when healed.</summary>
    KillSecondary,

    /// <summary>SIGSTOP of the primary; SIGCONT when healed.</summary>
    FreezePrimary,

    /// <summary>The primary cut off from the Sentinels and the other nodes, still reachable by its clients (split brain).</summary>
    IsolatePrimaryWithClients,

    /// <summary>The primary cut off from everyone, its clients included.</summary>
    IsolatePrimary,

    /// <summary>A secondary cut off while writes fill the backlog past its size, so it must full-resync when healed.</summary>
    CutSecondaryPastBacklog,

    /// <summary>Every link of the primary slowed by 50 ms per chunk.</summary>
    SlowPrimary,

    /// <summary>SENTINEL FAILOVER.</summary>
    SentinelFailover,

    /// <summary>FAILOVER on the primary (Redis 6.2's coordinated failover), with a timeout.</summary>
    CoordinatedFailover,

    /// <summary>A secondary re-pointed by hand at the other secondary (REPLICAOF), which Sentinel undoes.</summary>
    RepointSecondary,
}
