using System.Text;

namespace ReplCache.Resp.PubSub;

/// <summary>
/// One connection's subscriptions (Redis's <c>c-&gt;pubsub_channels</c> and <c>c-&gt;pubsub_patterns</c>) and the
/// outbox its messages wait in. The connection's own command loop subscribes and unsubscribes; CLIENT KILL, from
/// another connection, unsubscribes it all at once (as Redis's synchronous <c>freeClient</c>, so a PUBLISH right
/// after the kill reaches it no more), hence the lock. <see cref="Deliver"/> is called by any publisher, and only
/// touches the outbox and the two callbacks.
/// </summary>
/// <remarks>
/// Channel names and patterns are binary-safe: they are kept as Latin-1 strings, one char per byte, which map back
/// to the exact bytes and let <see cref="Storage.KeyPattern"/> match them byte for byte as Redis's stringmatchlen.
/// </remarks>
internal sealed class PubSubSubscriber
{
    private readonly PubSubRegistry _registry;
    private readonly Action _wake;
    private readonly Action<long> _overflow;

    // In subscription order, as Redis replies to UNSUBSCRIBE with no arguments (patterns are a list there too).
    private readonly List<string> _channels = [];
    private readonly HashSet<string> _channelSet = new(StringComparer.Ordinal);
    private readonly List<string> _patterns = [];
    private readonly Lock _gate = new();
    private volatile int _count;

    /// <param name="registry">The node's registry, where this subscriber's subscriptions are published from.</param>
    /// <param name="outbox">Where its messages wait for the connection.</param>
    /// <param name="wake">Makes the connection's loop write what waits in the outbox (from any thread, cheap).</param>
    /// <param name="overflow">The outbox passed its limit with these bytes waiting: close the connection (called once).</param>
    public PubSubSubscriber(PubSubRegistry registry, PubSubOutbox outbox, Action wake, Action<long> overflow)
    {
        _registry = registry;
        Outbox = outbox;
        _wake = wake;
        _overflow = overflow;
    }

    public PubSubOutbox Outbox { get; }

    /// <summary>Channels and patterns subscribed to (Redis's <c>clientSubscriptionsCount</c>); read from any thread.</summary>
    public int Count => _count;

    /// <summary>A snapshot of the channels, in subscription order.</summary>
    public string[] Channels
    {
        get
        {
            lock (_gate)
            {
                return [.. _channels];
            }
        }
    }

    /// <summary>A snapshot of the patterns, in subscription order.</summary>
    public string[] Patterns
    {
        get
        {
            lock (_gate)
            {
                return [.. _patterns];
            }
        }
    }

    public static string Key(ReadOnlySpan<byte> name) => Encoding.Latin1.GetString(name);

    public static byte[] Bytes(string key) => Encoding.Latin1.GetBytes(key);

    /// <returns>The count of subscriptions after it, as SUBSCRIBE's confirmation shows.</returns>
    public int Subscribe(string channel)
    {
        lock (_gate)
        {
            if (_channelSet.Add(channel))
            {
                _channels.Add(channel);
                _registry.AddChannel(channel, this);
                Recount();
            }

            return _count;
        }
    }

    public int Unsubscribe(string channel)
    {
        lock (_gate)
        {
            if (_channelSet.Remove(channel))
            {
                _channels.Remove(channel);
                _registry.RemoveChannel(channel, this);
                Recount();
            }

            return _count;
        }
    }

    public int PatternSubscribe(string pattern)
    {
        lock (_gate)
        {
            if (!_patterns.Contains(pattern, StringComparer.Ordinal))
            {
                _patterns.Add(pattern);
                _registry.AddPattern(pattern, this);
                Recount();
            }

            return _count;
        }
    }

    public int PatternUnsubscribe(string pattern)
    {
        lock (_gate)
        {
            if (_patterns.Remove(pattern))
            {
                _registry.RemovePattern(pattern, this);
                Recount();
            }

            return _count;
        }
    }

    /// <summary>
    /// Leaves every channel and pattern, without replies (the connection closes, is killed, or RESET). What the
    /// outbox holds stays, for the connection to write or drop.
    /// </summary>
    public void UnsubscribeAll()
    {
        lock (_gate)
        {
            foreach (string channel in _channels)
            {
                _registry.RemoveChannel(channel, this);
            }

            foreach (string pattern in _patterns)
            {
                _registry.RemovePattern(pattern, this);
            }

            _channels.Clear();
            _channelSet.Clear();
            _patterns.Clear();
            Recount();
        }
    }

    /// <summary>A publisher hands a message frame over: queued and the connection woken, or the subscriber dropped.</summary>
    public void Deliver(byte[] frame)
    {
        if (Outbox.TryAdd(frame, out bool first))
        {
            _wake();
        }
        else if (first)
        {
            _overflow(Outbox.Bytes + frame.Length);
        }
    }

    /// <summary>Called under the lock after every change: the outbox is open exactly while something is subscribed.</summary>
    private void Recount()
    {
        int count = _channels.Count + _patterns.Count;
        if (count > 0 && _count == 0)
        {
            Outbox.Open();
        }
        else if (count == 0)
        {
            Outbox.Close();
        }

        _count = count;
    }
}
