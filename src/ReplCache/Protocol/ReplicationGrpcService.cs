using Grpc.Core;
using ReplCache.Replication;

namespace ReplCache.Protocol;

/// <summary>The gRPC face of a node: translates calls to the controller and nothing more.</summary>
internal sealed class ReplicationGrpcService(ReplicationController node) : Replication.ReplicationBase
{
    public override Task Sync(IAsyncStreamReader<SecondaryMessage> requestStream, IServerStreamWriter<PrimaryMessage> responseStream, ServerCallContext context)
    {
        AuthToken.Verify(context, node.Options.AuthToken);
        return node.ServeSecondaryAsync(requestStream, responseStream, context);
    }

    public override Task<NodeDescription> Describe(DescribeRequest request, ServerCallContext context)
    {
        AuthToken.Verify(context, node.Options.AuthToken);
        return Task.FromResult(node.Describe());
    }
}
