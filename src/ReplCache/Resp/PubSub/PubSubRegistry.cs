using System.Collections.Concurrent;
using ReplCache.Storage;

namespace ReplCache.Resp.PubSub;

/// <summary>
/// The node's pub/sub: which subscribers listen on each channel and pattern (Redis's <c>server.pubsub_channels</c>
/// and <c>server.pubsub_patterns</c>), and PUBLISH to them. Messages go to this node's own subscribers only, on a
/// primary and a secondary alike; that is what Redis Sentinel needs (each Sentinel hears its own hellos back on
/// every node it watches), and PUBLISH is no write, so a secondary accepts it.
/// </summary>
/// <remarks>
/// Publishing takes no lock: each channel maps to an array replaced whole (under <see cref="_gate"/>) when a
/// subscriber comes or goes, and the patterns are one such array, so a PUBLISH reads one consistent snapshot.
/// Subscriptions change far less often than messages are published.
/// </remarks>
internal sealed class PubSubRegistry
{
    private readonly Lock _gate = new();
    private readonly ConcurrentDictionary<string, PubSubSubscriber[]> _channels = new(StringComparer.Ordinal);
    private volatile PatternSubscribers[] _patterns = [];

    /// <summary>Channels with at least one subscriber (INFO's <c>pubsub_channels</c>).</summary>
    public int ChannelCount => _channels.Count;

    /// <summary>Patterns with at least one subscriber (INFO's <c>pubsub_patterns</c>).</summary>
    public int PatternCount => _patterns.Length;

    /// <summary>
    /// PUBLISH: hands the message to every subscriber of the channel and of every matching pattern.
    /// </summary>
    /// <returns>How many deliveries were made, as Redis counts them: a client on the channel and a matching pattern counts twice.</returns>
    public int Publish(ReadOnlySpan<byte> channel, ReadOnlySpan<byte> message)
    {
        string key = PubSubSubscriber.Key(channel);
        int receivers = 0;
        if (_channels.TryGetValue(key, out PubSubSubscriber[]? subscribers))
        {
            byte[] frame = PubSubFrames.Message(channel, message);
            foreach (PubSubSubscriber subscriber in subscribers)
            {
                subscriber.Deliver(frame);
            }

            receivers += subscribers.Length;
        }

        foreach (PatternSubscribers pattern in _patterns)
        {
            if (pattern.Pattern.IsMatch(key))
            {
                byte[] frame = PubSubFrames.PatternMessage(pattern.Bytes, channel, message);
                foreach (PubSubSubscriber subscriber in pattern.Subscribers)
                {
                    subscriber.Deliver(frame);
                }

                receivers += pattern.Subscribers.Length;
            }
        }

        return receivers;
    }

    internal void AddChannel(string channel, PubSubSubscriber subscriber)
    {
        lock (_gate)
        {
            _channels[channel] = _channels.TryGetValue(channel, out PubSubSubscriber[]? current) ? [.. current, subscriber] : [subscriber];
        }
    }

    internal void RemoveChannel(string channel, PubSubSubscriber subscriber)
    {
        lock (_gate)
        {
            if (!_channels.TryGetValue(channel, out PubSubSubscriber[]? current))
            {
                return;
            }

            PubSubSubscriber[] remaining = Array.FindAll(current, s => s != subscriber);
            if (remaining.Length == 0)
            {
                _channels.TryRemove(channel, out _);
            }
            else
            {
                _channels[channel] = remaining;
            }
        }
    }

    internal void AddPattern(string pattern, PubSubSubscriber subscriber)
    {
        lock (_gate)
        {
            PatternSubscribers[] patterns = _patterns;
            int at = Array.FindIndex(patterns, p => p.Text == pattern);
            if (at < 0)
            {
                _patterns = [.. patterns, new PatternSubscribers(pattern, [subscriber])];
            }
            else
            {
                PatternSubscribers[] copy = [.. patterns];
                copy[at] = copy[at] with { Subscribers = [.. copy[at].Subscribers, subscriber] };
                _patterns = copy;
            }
        }
    }

    internal void RemovePattern(string pattern, PubSubSubscriber subscriber)
    {
        lock (_gate)
        {
            PatternSubscribers[] patterns = _patterns;
            int at = Array.FindIndex(patterns, p => p.Text == pattern);
            if (at < 0)
            {
                return;
            }

            PubSubSubscriber[] remaining = Array.FindAll(patterns[at].Subscribers, s => s != subscriber);
            PatternSubscribers[] copy = [.. patterns];
            if (remaining.Length == 0)
            {
                _patterns = [.. copy.Where((_, i) => i != at)];
            }
            else
            {
                copy[at] = copy[at] with { Subscribers = remaining };
                _patterns = copy;
            }
        }
    }

    /// <summary>One pattern, compiled once, and who subscribed to it.</summary>
    private sealed record PatternSubscribers(string Text, PubSubSubscriber[] Subscribers)
    {
        public KeyPattern Pattern { get; } = new(Text);

        public byte[] Bytes { get; } = PubSubSubscriber.Bytes(Text);
    }
}
