using System.Collections.Concurrent;
using Grpc.Core;
using ReplCache.Protocol;

namespace ReplCache.Replication.Primary;

/// <summary>The mailboxes of this node's Follow calls, by the link id each Hello named, for their Report calls.</summary>
internal sealed class UpstreamMailboxes
{
    private const int MinLinkIdLength = 16;
    private const int MaxLinkIdLength = 64;

    private readonly ConcurrentDictionary<string, UpstreamMailbox> _open = new(StringComparer.Ordinal);

    /// <summary>Opens the mailbox of a Follow call; dispose the result when the call ends.</summary>
    public Registration Open(Hello hello)
    {
        if (hello.LinkId.Length is < MinLinkIdLength or > MaxLinkIdLength)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"Hello.link_id must be {MinLinkIdLength} to {MaxLinkIdLength} characters in a Follow call."));
        }

        var mailbox = new UpstreamMailbox(hello);
        if (!_open.TryAdd(hello.LinkId, mailbox))
        {
            throw new RpcException(new Status(StatusCode.AlreadyExists, "Another Follow call uses this link_id."));
        }

        return new Registration(this, hello.LinkId, mailbox);
    }

    /// <summary>Delivers a Report to its Follow call's session.</summary>
    public void Deliver(Upstream report)
    {
        if (!_open.TryGetValue(report.LinkId, out UpstreamMailbox? mailbox) || !mailbox.Deliver(report))
        {
            // The secondary's link has ended here (or never began): it reconnects with a new Follow call.
            throw new RpcException(new Status(StatusCode.NotFound, "No Follow call is open with this link_id."));
        }
    }

    internal sealed class Registration(UpstreamMailboxes owner, string linkId, UpstreamMailbox mailbox) : IDisposable
    {
        public UpstreamMailbox Mailbox => mailbox;

        public void Dispose()
        {
            owner._open.TryRemove(new KeyValuePair<string, UpstreamMailbox>(linkId, mailbox));
            mailbox.Close();
        }
    }
}
