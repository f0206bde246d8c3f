using System.IO.Pipelines;
using ReplCache.Resp.PubSub;

namespace ReplCache.Resp;

internal sealed partial class RespConnection
{
    /// <summary>The most of the outbox one turn of the loop writes, so a busy channel cannot keep a client's commands waiting.</summary>
    private const int DeliverBytesPerTurn = 1024 * 1024;

    private PubSubSubscriber? _subscriber;

    /// <summary>Subscribed to at least one channel or pattern: Redis's <c>CLIENT_PUBSUB</c>, RESP2's subscribed context.</summary>
    public bool IsSubscribed => _subscriber is { Count: > 0 };

    /// <summary>This connection's subscriptions, made on its first SUBSCRIBE or PSUBSCRIBE.</summary>
    public PubSubSubscriber Subscriber => _subscriber ??= new PubSubSubscriber(
        Server.PubSub,
        new PubSubOutbox(Server.Options.TimeProvider),
        // Wakes the loop from its read (or makes its next read return at once): the loop alone writes to the
        // connection, so a message and a reply never interleave mid-frame.
        _transport.Transport.Input.CancelPendingRead,
        Overflowed);

    /// <summary>The subscriptions, when there ever were any (UNSUBSCRIBE replies without creating them).</summary>
    public PubSubSubscriber? ExistingSubscriber => _subscriber;

    private void UnsubscribeAll() => _subscriber?.UnsubscribeAll();

    /// <summary>
    /// Writes everything the outbox holds, at once: called as the last subscription goes (the outbox is closed by
    /// then, so nothing more can arrive), so that every message comes before the confirmation that ends the
    /// subscribed context. After it, a message frame would be read as the reply to the next command.
    /// </summary>
    public void WritePendingMessages()
    {
        if (_subscriber is not { } subscriber)
        {
            return;
        }

        while (subscriber.Outbox.TryTake(out byte[] frame))
        {
            Writer.Raw(frame);
        }
    }

    /// <summary>
    /// Writes what the outbox holds, at most <see cref="DeliverBytesPerTurn"/>, flushing as it goes so the pipe never
    /// holds much more than the flush threshold; what remains is written on the next turn, which starts at once.
    /// </summary>
    private async ValueTask DeliverAsync(PubSubSubscriber subscriber, PipeWriter output)
    {
        long written = 0;
        while (written < DeliverBytesPerTurn && subscriber.Outbox.TryTake(out byte[] frame))
        {
            Writer.Raw(frame);
            written += frame.Length;
            if (output.UnflushedBytes > FlushThreshold)
            {
                FlushResult flushed = await output.FlushAsync().ConfigureAwait(false);
                if (flushed.IsCompleted || flushed.IsCanceled)
                {
                    return;
                }
            }
        }

        if (subscriber.Outbox.Bytes > 0)
        {
            _transport.Transport.Input.CancelPendingRead();
        }
    }

    /// <summary>A subscriber that does not read fast enough: closed, as Redis closes it past client-output-buffer-limit.</summary>
    private void Overflowed(long bytes)
    {
        RespServer.Log.SubscriberTooSlow(Server.Logger, Id, RemoteEndPoint, bytes, _subscriber?.Outbox.HardLimitBytes ?? PubSubOutbox.DefaultHardLimitBytes);
        Kill("closed for overcoming of the pub/sub output buffer limit");
    }
}
