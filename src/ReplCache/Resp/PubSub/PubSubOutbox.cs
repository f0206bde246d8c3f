using System.Collections.Concurrent;

namespace ReplCache.Resp.PubSub;

/// <summary>
/// The messages published to one subscriber and not yet written to its connection: any publisher adds, the
/// subscriber's own connection takes. Bounded as Redis bounds a subscriber's output with its default
/// <c>client-output-buffer-limit pubsub 32mb 8mb 60</c>: past the hard limit at once, or above the soft limit for
/// the whole soft period, the subscriber is to be disconnected — a client that stops reading must not make the
/// node's memory grow without end.
/// </summary>
internal sealed class PubSubOutbox(long hardLimitBytes, long softLimitBytes, TimeSpan softLimitPeriod, TimeProvider time)
{
    /// <summary>Redis's defaults for pub/sub clients.</summary>
    public const long DefaultHardLimitBytes = 32L * 1024 * 1024;

    public const long DefaultSoftLimitBytes = 8L * 1024 * 1024;

    public static readonly TimeSpan DefaultSoftLimitPeriod = TimeSpan.FromSeconds(60);

    private readonly ConcurrentQueue<byte[]> _frames = new();
    private readonly Lock _gate = new();
    private long _bytes;
    private long _aboveSoftSince = -1; // a TimeProvider timestamp; -1 while at or under the soft limit
    private int _overflowed;
    private bool _closed = true;

    public PubSubOutbox(TimeProvider time)
        : this(DefaultHardLimitBytes, DefaultSoftLimitBytes, DefaultSoftLimitPeriod, time)
    {
    }

    /// <summary>Bytes waiting.</summary>
    public long Bytes => Interlocked.Read(ref _bytes);

    public long HardLimitBytes => hardLimitBytes;

    /// <summary>True once a limit was passed: nothing more is accepted, and the connection is being closed.</summary>
    public bool Overflowed => Volatile.Read(ref _overflowed) != 0;

    /// <summary>
    /// Accepting frames: from the first subscription on. A new outbox is closed, and one closes again when its
    /// subscriber's last subscription goes (<see cref="Close"/>).
    /// </summary>
    public void Open()
    {
        lock (_gate)
        {
            _closed = false;
        }
    }

    /// <summary>
    /// Refuses every frame from now on, silently: the subscriber left its last channel. Once this returns, what the
    /// outbox holds is all it will ever hold, so the connection can write it before the confirmation that takes it
    /// out of the subscribed context — after which a message frame would be read as the reply to a command.
    /// </summary>
    public void Close()
    {
        lock (_gate)
        {
            _closed = true;
        }
    }

    /// <summary>
    /// Adds a frame. False when the outbox is closed (the subscription ended as the message was published), or when
    /// the frame takes it past a limit (or one was passed before): the frame is dropped, and the first caller to see
    /// a limit passed is the one to disconnect the subscriber (<paramref name="first"/>).
    /// </summary>
    public bool TryAdd(byte[] frame, out bool first)
    {
        first = false;
        lock (_gate)
        {
            if (_closed || Overflowed)
            {
                return false;
            }

            long bytes = Interlocked.Add(ref _bytes, frame.Length);
            if (bytes > hardLimitBytes || IsAboveSoftLimitTooLong(bytes))
            {
                Interlocked.Add(ref _bytes, -frame.Length);
                first = Interlocked.Exchange(ref _overflowed, 1) == 0;
                return false;
            }

            _frames.Enqueue(frame);
            return true;
        }
    }

    public bool TryTake(out byte[] frame)
    {
        if (!_frames.TryDequeue(out frame!))
        {
            return false;
        }

        if (Interlocked.Add(ref _bytes, -frame.Length) <= softLimitBytes)
        {
            Volatile.Write(ref _aboveSoftSince, -1);
        }

        return true;
    }

    /// <summary>Drops everything waiting (the connection is closing).</summary>
    public void Clear()
    {
        while (TryTake(out _))
        {
        }
    }

    /// <summary>Redis's soft limit: reached once, the timer starts; still above it a period later, the client goes.</summary>
    private bool IsAboveSoftLimitTooLong(long bytes)
    {
        if (bytes <= softLimitBytes)
        {
            return false;
        }

        long now = time.GetTimestamp();
        long since = Interlocked.CompareExchange(ref _aboveSoftSince, now, -1);
        return since != -1 && time.GetElapsedTime(since, now) >= softLimitPeriod;
    }
}
