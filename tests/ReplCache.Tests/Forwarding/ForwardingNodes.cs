using ReplCache.Tests.Infrastructure;

namespace ReplCache.Tests.Forwarding;

/// <summary>Secondaries that forward their writes, on 127.0.0.1 port 0.</summary>
internal static class ForwardingNodes
{
    public static Task<ReplicatedCacheNode> StartForwardingSecondaryAsync(Uri primary, Action<ReplicatedCacheOptions>? configure = null) =>
        Nodes.StartSecondaryAsync(primary, o =>
        {
            o.ReplicaWrites = ReplicaWriteMode.ForwardToPrimary;
            configure?.Invoke(o);
        });

    public static Task WaitUpAsync(params ReplicatedCacheNode[] secondaries) =>
        Poll.UntilAsync(() => secondaries.All(s => s.Replication.GetInfo().LinkStatus == PrimaryLinkStatus.Up), "the secondaries' links to be up");
}
