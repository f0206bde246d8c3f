using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using ReplCache.Protocol;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps ReplCache's replication service into an existing ASP.NET Core app.</summary>
public static class ReplicatedCacheEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps the replication gRPC service, for apps that host it on their own Kestrel endpoints instead of setting
    /// <c>ReplicatedCacheOptions.Listen</c>. The endpoint must speak HTTP/2 (h2c or TLS): once the app has started,
    /// its endpoints are probed, and an app with no HTTP/2 endpoint is stopped with a log message that says what to
    /// change. Requires <c>AddReplicatedCache</c>.
    /// </summary>
    public static IEndpointConventionBuilder MapReplicatedCache(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        if (endpoints.ServiceProvider.GetService<ReplCache.Hosting.NodeCore>() is null)
        {
            throw new InvalidOperationException("MapReplicatedCache needs the ReplCache services: call services.AddReplicatedCache(...) first.");
        }

        // An app whose endpoints are all HTTP/1.1 would start fine and fail every secondary: stop it with a message instead.
        ReplCache.Hosting.Http2EndpointCheck.RunWhenStarted(endpoints.ServiceProvider);
        return endpoints.MapGrpcService<ReplicationGrpcService>();
    }
}
