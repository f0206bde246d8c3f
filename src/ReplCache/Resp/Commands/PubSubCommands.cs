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
    public static ValueTask<RespFlow> Unsubscribe(RespConnection c)
    {
        PubSubSubscriber? subscriber = c.ExistingSubscriber;
        if (c.Request.Count > 1)
        {
            for (int i = 1; i < c.Request.Count; i++)
            {
                int count = subscriber?.Unsubscribe(PubSubSubscriber.Key(c.Request[i])) ?? 0;
                WriteMessagesIfLast(c, count);
                PubSubFrames.Confirmation(c.Writer, "unsubscribe"u8, c.Request[i], isNull: false, count);
            }
        }
        else if (subscriber?.Channels is not { Length: > 0 } channels)
        {
            PubSubFrames.Confirmation(c.Writer, "unsubscribe"u8, [], isNull: true, subscriber?.Count ?? 0);
        }
        else
        {
            foreach (string channel in channels)
            {
                int count = subscriber.Unsubscribe(channel);
                WriteMessagesIfLast(c, count);
                PubSubFrames.Confirmation(c.Writer, "unsubscribe"u8, PubSubSubscriber.Bytes(channel), isNull: false, count);
            }
        }

        return Done;
    }

    public static ValueTask<RespFlow> PatternUnsubscribe(RespConnection c)
    {
        PubSubSubscriber? subscriber = c.ExistingSubscriber;
        if (c.Request.Count > 1)
        {
            for (int i = 1; i < c.Request.Count; i++)
            {
                int count = subscriber?.PatternUnsubscribe(PubSubSubscriber.Key(c.Request[i])) ?? 0;
                WriteMessagesIfLast(c, count);
                PubSubFrames.Confirmation(c.Writer, "punsubscribe"u8, c.Request[i], isNull: false, count);
            }
        }
        else if (subscriber?.Patterns is not { Length: > 0 } patterns)
        {
            PubSubFrames.Confirmation(c.Writer, "punsubscribe"u8, [], isNull: true, subscriber?.Count ?? 0);
        }
        else
        {
            foreach (string pattern in patterns)
            {
                int count = subscriber.PatternUnsubscribe(pattern);
                WriteMessagesIfLast(c, count);
                PubSubFrames.Confirmation(c.Writer, "punsubscribe"u8, PubSubSubscriber.Bytes(pattern), isNull: false, count);
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
        c.Writer.Integer(c.Server.PubSub.Publish(c.Request[1], c.Request[2]));
        return Done;
    }
}
