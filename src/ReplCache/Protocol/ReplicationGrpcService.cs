using Grpc.Core;
using ReplCache.Replication;
using ReplCache.Replication.Primary;

namespace ReplCache.Protocol;

/// <summary>The gRPC face of a node: translates calls to the components that serve them, and nothing more.</summary>
/// <remarks>
/// Every method checks the token before anything else, so a peer without it learns nothing — no replication id,
/// no offset, no data — and its refusal is logged once per peer address (<see cref="PeerRefusals"/>).
/// </remarks>
internal sealed class ReplicationGrpcService(SyncServer syncs, NodeDescriber describer, PeerRefusals refusals, AuthTokenRotation tokens) : Protocol.Replication.ReplicationBase
{
    public override async Task Sync(IAsyncStreamReader<SecondaryMessage> requestStream, IServerStreamWriter<PrimaryMessage> responseStream, ServerCallContext context)
    {
        Authenticate(context, nameof(Sync));
        try
        {
            await syncs.ServeAsync(requestStream, responseStream, context).ConfigureAwait(false);
        }
        catch (RpcException ex) when (ex.StatusCode is StatusCode.InvalidArgument or StatusCode.FailedPrecondition)
        {
            refusals.Refused(context, ex);
            throw;
        }
    }

    public override Task<NodeDescription> Describe(DescribeRequest request, ServerCallContext context)
    {
        Authenticate(context, nameof(Describe));
        return Task.FromResult(describer.Describe());
    }

    private void Authenticate(ServerCallContext context, string method)
    {
        try
        {
            AuthToken.Verify(context, tokens);
        }
        catch (RpcException ex)
        {
            refusals.Unauthenticated(context, method, ex);
            throw;
        }
    }
}
