using Grpc.Core;
using Microsoft.Extensions.Logging;
using ReplCache.Backlog;
using ReplCache.Protocol;
using ReplCache.Storage;

namespace ReplCache.Replication.Primary;

/// <summary>
/// Serves the Sync calls of this node's secondaries: one <see cref="SecondarySession"/> per call, all sharing this
/// node's store, log and registry of connected secondaries.
/// </summary>
internal sealed class SyncServer(
    ReplicationState state,
    CacheStore store,
    ReplicationLog log,
    ReplicaRegistry replicas,
    IUpstreamLink upstream,
    ForwardedWriteApplier forwardedWrites,
    ReplicatedCacheOptions options,
    ILoggerFactory loggerFactory,
    CancellationToken stopping)
{
    private readonly ILogger _logger = loggerFactory.CreateLogger("ReplCache.Primary");

    private readonly UpstreamMailboxes _mailboxes = new();

    /// <summary>Serves one secondary's Sync call until it ends.</summary>
    public Task ServeAsync(IAsyncStreamReader<SecondaryMessage> requests, IServerStreamWriter<PrimaryMessage> responses, ServerCallContext context) =>
        new SecondarySession(state, store, log, replicas, upstream, forwardedWrites, options, _logger, stopping, requests, responses, context).RunAsync();

    /// <summary>Serves one secondary's Follow call until it ends: a Sync whose request stream is its Report calls.</summary>
    public async Task FollowAsync(Hello hello, IServerStreamWriter<PrimaryMessage> responses, ServerCallContext context)
    {
        using UpstreamMailboxes.Registration registration = _mailboxes.Open(hello);
        await ServeAsync(registration.Mailbox, responses, context).ConfigureAwait(false);
    }

    /// <summary>Hands a Report's messages to its Follow call's session.</summary>
    public void Report(Upstream report) => _mailboxes.Deliver(report);
}
