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
        await RefusalsLoggedAsync(syncs.ServeAsync(requestStream, responseStream, context), context).ConfigureAwait(false);
    }

    public override async Task Follow(Hello request, IServerStreamWriter<PrimaryMessage> responseStream, ServerCallContext context)
    {
        Authenticate(context, nameof(Follow));
        await RefusalsLoggedAsync(syncs.FollowAsync(request, responseStream, context), context).ConfigureAwait(false);
    }

    public override Task<Reported> Report(Upstream request, ServerCallContext context)
    {
        Authenticate(context, nameof(Report));
        syncs.Report(request);
        return Task.FromResult(Reported);
    }

    private static readonly Reported Reported = new();

    public override Task<NodeDescription> Describe(DescribeRequest request, ServerCallContext context)
    {
        Authenticate(context, nameof(Describe));
        return Task.FromResult(describer.Describe());
    }

    /// <summary>A refused handshake (a bad Hello, a loop, a handover refused) is logged once per peer.</summary>
    private async Task RefusalsLoggedAsync(Task serving, ServerCallContext context)
    {
        try
        {
            await serving.ConfigureAwait(false);
        }
        catch (RpcException ex) when (ex.StatusCode is StatusCode.InvalidArgument or StatusCode.FailedPrecondition)
        {
            refusals.Refused(context, ex);
            throw;
        }
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
