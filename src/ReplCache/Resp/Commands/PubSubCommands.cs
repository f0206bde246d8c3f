using ReplCache.Resp.PubSub;

namespace ReplCache.Resp.Commands;

/// <summary>
/// SUBSCRIBE, UNSUBSCRIBE, PSUBSCRIBE, PUNSUBSCRIBE and PUBLISH with Redis's RESP2 replies (pubsub.c): one
/// confirmation per channel or pattern, <c>*3 $kind $name :count</c>, count being the connection's subscriptions
/// after it. Redis Sentinel's pub/sub link is one SUBSCRIBE of <c>__sentinel__:hello</c>, and it hears the hellos
/// PUBLISHed on its command link, on primaries and secondaries alike.
/// </summary>
internal static class PubSubCommands
{
    private static ValueTask<RespFlow> Done => new(RespFlow.Continue);

    public static ValueTask<RespFlow> Subscribe(RespConnection c)
    {
        PubSubSubscriber subscriber = c.Subscriber;
        for (int i = 1; i < c.Request.Count; i++)
        {
            int count = subscriber.Subscribe(PubSubSubscriber.Key(c.Request[i]));
            PubSubFrames.Confirmation(c.Writer, "subscribe"u8, c.Request[i], isNull: false, count);
        }

        return Done;
    }

    public static ValueTask<RespFlow> PatternSubscribe(RespConnection c)
    {
        PubSubSubscriber subscriber = c.Subscriber;
        for (int i = 1; i < c.Request.Count; i++)
        {
            int count = subscriber.PatternSubscribe(PubSubSubscriber.Key(c.Request[i]));
            PubSubFrames.Confirmation(c.Writer, "psubscribe"u8, c.Request[i], isNull: false, count);
        }

        return Done;
    }

    /// <summary>
    /// <c>UNSUBSCRIBE [channel ...]</c>: each named channel is confirmed, subscribed or not; with no names every
    /// channel is left, or, with none to leave, one confirmation with a nil name.
    /// </summary>
    public static ValueTask<RespFlow> Unsubscribe(RespConnection c) =>
        Leave(c, "unsubscribe"u8, static s => s.Channels, static (s, channel) => s.Unsubscribe(channel));

    /// <summary><c>PUNSUBSCRIBE [pattern ...]</c>: as <see cref="Unsubscribe"/>, for patterns.</summary>
    public static ValueTask<RespFlow> PatternUnsubscribe(RespConnection c) =>
        Leave(c, "punsubscribe"u8, static s => s.Patterns, static (s, pattern) => s.PatternUnsubscribe(pattern));

    /// <summary>The one shape of UNSUBSCRIBE and PUNSUBSCRIBE: named ones, or all of them, or a nil confirmation.</summary>
    private static ValueTask<RespFlow> Leave(RespConnection c, ReadOnlySpan<byte> verb, Func<PubSubSubscriber, string[]?> held, Func<PubSubSubscriber, string, int> leave)
    {
        PubSubSubscriber? subscriber = c.ExistingSubscriber;
        if (c.Request.Count > 1)
        {
            for (int i = 1; i < c.Request.Count; i++)
            {
                int count = subscriber is null ? 0 : leave(subscriber, PubSubSubscriber.Key(c.Request[i]));
                WriteMessagesIfLast(c, count);
                PubSubFrames.Confirmation(c.Writer, verb, c.Request[i], isNull: false, count);
            }
        }
        else if (subscriber is null || held(subscriber) is not { Length: > 0 } names)
        {
            PubSubFrames.Confirmation(c.Writer, verb, [], isNull: true, subscriber?.Count ?? 0);
        }
        else
        {
            foreach (string name in names)
            {
                int count = leave(subscriber, name);
                WriteMessagesIfLast(c, count);
                PubSubFrames.Confirmation(c.Writer, verb, PubSubSubscriber.Bytes(name), isNull: false, count);
            }
        }

        return Done;
    }

    /// <summary>
    /// The confirmation about to be written ends the subscribed context: the messages still waiting go before it
    /// (see <see cref="RespConnection.WritePendingMessages"/>).
    /// </summary>
    private static void WriteMessagesIfLast(RespConnection c, int count)
    {
        if (count == 0)
        {
            c.WritePendingMessages();
        }
    }

    /// <summary><c>PUBLISH channel message</c>: not a write, so a secondary accepts it too; the reply counts the deliveries.</summary>
    public static ValueTask<RespFlow> Publish(RespConnection c)
    {
        c.Server.SentinelHellos.Observe(c.Request[1], c.Request[2]);
        c.Writer.Integer(c.Server.PubSub.Publish(c.Request[1], c.Request[2]));
        return Done;
    }
}
