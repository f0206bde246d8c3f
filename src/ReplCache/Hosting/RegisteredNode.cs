using Microsoft.Extensions.DependencyInjection;

namespace ReplCache.Hosting;

/// <summary>Finds the node registered under a service key (null: the unkeyed <c>AddReplicatedCache</c>), for the stores built on it.</summary>
internal static class RegisteredNode
{
    public static NodeCore Resolve(IServiceProvider services, object? serviceKey, string whatNeedsIt)
    {
        NodeCore? core = serviceKey is null ? services.GetService<NodeCore>() : services.GetKeyedService<NodeCore>(serviceKey);
        return core ?? throw new InvalidOperationException(serviceKey is null
            ? $"{whatNeedsIt} needs a ReplicatedCache: call services.AddReplicatedCache(...)."
            : $"{whatNeedsIt} needs the ReplicatedCache keyed '{serviceKey}': call services.AddKeyedReplicatedCache(\"{serviceKey}\", ...).");
    }
}
