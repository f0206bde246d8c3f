using Google.Protobuf.Collections;
using System.Threading.Channels;
using Grpc.Core;
using ReplCache.Protocol;

namespace ReplCache.Replication.Primary;

/// <summary>
/// The secondary's side of a Follow call as <see cref="SecondarySession"/> reads a Sync call's request stream: the
/// Hello, then the messages of the link's Report calls in their sequence order, whatever order the calls arrive in.
/// </summary>
/// <remarks>
/// A Report hands its messages over and the session's reader continues inline on the Report's thread (synchronous
/// continuations): on a node's own listener that is a connection thread of the library's, never the pool's.
/// </remarks>
internal sealed class UpstreamMailbox(Hello hello)
    : IAsyncStreamReader<SecondaryMessage>
{
    /// <summary>
    /// Messages a session may have unread: a secondary keeps at most a few Reports of 64 messages in flight, and the
    /// forwarding limit bounds the writes among them, so only a misbehaving peer reaches this.
    /// </summary>
    internal const int MaxUnread = 16 * 1024;

    /// <summary>How far ahead of the next expected Report one may arrive (calls overtaking each other on other connections).</summary>
    private const ulong MaxReorder = 64;

    private readonly Channel<SecondaryMessage> _messages = Channel.CreateUnbounded<SecondaryMessage>(
        new UnboundedChannelOptions { SingleReader = true, AllowSynchronousContinuations = true });

    private readonly object _order = new(); // Monitor: the session's reader may run inline, and re-enter no Deliver
    private readonly SortedDictionary<ulong, RepeatedField<SecondaryMessage>> _early = [];
    private ulong _next = 1;
    private int _earlyMessages;

    /// <summary>Messages written and not yet read (a single-reader channel keeps no count).</summary>
    private int _unread;
    private bool _helloRead;

    public SecondaryMessage Current { get; private set; } = null!;

    public async Task<bool> MoveNext(CancellationToken cancellationToken)
    {
        if (!_helloRead)
        {
            _helloRead = true;
            Current = new SecondaryMessage { Hello = hello };
            return true;
        }

        while (await _messages.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
        {
            if (_messages.Reader.TryRead(out SecondaryMessage? message))
            {
                Interlocked.Decrement(ref _unread);
                Current = message;
                return true;
            }
        }

        return false;
    }

    /// <summary>Queues a Report's messages in sequence order; false when the Follow call has ended.</summary>
    public bool Deliver(Upstream report)
    {
        foreach (SecondaryMessage message in report.Messages)
        {
            if (message.KindCase == SecondaryMessage.KindOneofCase.Hello)
            {
                throw new RpcException(new Status(StatusCode.InvalidArgument, "A Report carries no Hello: the Follow call has had it."));
            }
        }

        lock (_order)
        {
            if (report.Sequence < _next || report.Sequence >= _next + MaxReorder || _early.ContainsKey(report.Sequence))
            {
                throw new RpcException(new Status(StatusCode.InvalidArgument, $"Report sequence {report.Sequence} is not one this link expects (next {_next})."));
            }

            if (Volatile.Read(ref _unread) + _earlyMessages + report.Messages.Count > MaxUnread)
            {
                throw new RpcException(new Status(StatusCode.ResourceExhausted, $"The secondary has more than {MaxUnread} messages unread by its session."));
            }

            if (report.Sequence != _next)
            {
                _early.Add(report.Sequence, report.Messages);
                _earlyMessages += report.Messages.Count;
                return true;
            }

            bool open = Write(report.Messages);
            while (open && _early.Remove(++_next, out RepeatedField<SecondaryMessage>? following))
            {
                _earlyMessages -= following.Count;
                open = Write(following);
            }

            return open;
        }
    }

    /// <summary>The Follow call ended: the session's reader sees the end of the stream.</summary>
    public void Close() => _messages.Writer.TryComplete();

    private bool Write(RepeatedField<SecondaryMessage> messages)
    {
        foreach (SecondaryMessage message in messages)
        {
            Interlocked.Increment(ref _unread); // before the write: the reader may take it inline, at once
            if (!_messages.Writer.TryWrite(message))
            {
                return false;
            }
        }

        return true;
    }
}
