namespace ReplCache;

/// <summary>Where a coordinated FAILOVER is on this primary, as INFO's <c>master_failover_state</c>.</summary>
public enum FailoverState
{
    /// <summary><c>no-failover</c>.</summary>
    None,

    /// <summary><c>waiting-for-sync</c>: writes are paused until the target has acknowledged this node's whole offset.</summary>
    WaitingForSync,

    /// <summary><c>failover-in-progress</c>: this node has stepped down and is handing its role to the target.</summary>
    InProgress,
}
