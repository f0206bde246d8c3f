using ReplCache.FaultInjection.Group;

namespace ReplCache.FaultInjection.Workloads;

/// <summary>
/// Where clients write: the node the Sentinels name, reached through its client proxy — asked again after an error,
/// as a Sentinel-aware client library does.
/// </summary>
public sealed class PrimaryLocator(Cluster cluster)
{
    private int _primary;

    /// <summary>The client port of the primary as last known.</summary>
    public int ClientPort => cluster.ClientProxies[Volatile.Read(ref _primary)].Port;

    public int Primary => Volatile.Read(ref _primary);

    /// <summary>Asks the Sentinels again; keeps the old answer while they do not agree.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        if (await cluster.PrimaryAsync(cancellationToken).ConfigureAwait(false) is { } primary)
        {
            Volatile.Write(ref _primary, primary);
        }
    }
}
