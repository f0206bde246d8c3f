using System.Buffers;
using Google.Protobuf;
using Microsoft.Extensions.Caching.Distributed;
using ReplCache.Protocol;

namespace ReplCache.Replication;

/// <summary>
/// Between a forwarded write and its wire form: the caller's arguments to a <see cref="ForwardedWrite"/> and back,
/// and a write's exception to a <see cref="ForwardedError"/> and back, so the forwarding caller sees the type the
/// primary threw.
/// </summary>
internal static class ForwardedWriteCodec
{
    public static ForwardedWrite Set(string key, in ReadOnlySequence<byte> value, DistributedCacheEntryOptions options)
    {
        CheckKey(key);
        if (value.Length > Array.MaxLength)
        {
            throw new ArgumentOutOfRangeException(nameof(value), value.Length, "The value is larger than the largest array .NET can allocate.");
        }

        // A copy: the caller may reuse its buffers as soon as the call returns, even when it returns by timing out.
        byte[] copy = value.ToArray();
        return new() { Set = NewSet(key, UnsafeByteOperations.UnsafeWrap(copy), options) };
    }

    public static ForwardedWrite Remove(string key)
    {
        CheckKey(key);
        return new() { Remove = new ForwardedRemove { Key = key } };
    }

    /// <summary>The bytes a write occupies on the wire, near enough to size batches and refuse what cannot travel.</summary>
    public static int Size(ForwardedWrite write) => write.CalculateSize();

    public static DistributedCacheEntryOptions ToOptions(ForwardedSet set)
    {
        var options = new DistributedCacheEntryOptions();
        if (set.HasAbsoluteExpirationUtcTicks)
        {
            options.AbsoluteExpiration = new DateTimeOffset(Math.Clamp(set.AbsoluteExpirationUtcTicks, DateTimeOffset.MinValue.UtcTicks, DateTimeOffset.MaxValue.UtcTicks), TimeSpan.Zero);
        }

        // The setters refuse zero and negative spans with the same ArgumentOutOfRangeException a local caller would get.
        if (set.HasAbsoluteExpirationRelativeTicks)
        {
            options.AbsoluteExpirationRelativeToNow = TimeSpan.FromTicks(set.AbsoluteExpirationRelativeTicks);
        }

        if (set.HasSlidingExpirationTicks)
        {
            options.SlidingExpiration = TimeSpan.FromTicks(set.SlidingExpirationTicks);
        }

        return options;
    }

    /// <summary>The error a failed write answers with; null for an exception that is not the write's own failure.</summary>
    public static ForwardedError ToError(Exception exception) => exception switch
    {
        ReadOnlyReplicaException => new() { Kind = ForwardedErrorKind.ReadOnly, Message = exception.Message },
        NotEnoughReplicasException => new() { Kind = ForwardedErrorKind.NotEnoughReplicas, Message = exception.Message },
        ArgumentOutOfRangeException range => new() { Kind = ForwardedErrorKind.ArgumentOutOfRange, Message = BareMessage(range), Parameter = range.ParamName ?? "" },
        ArgumentException argument => new() { Kind = ForwardedErrorKind.Argument, Message = BareMessage(argument), Parameter = argument.ParamName ?? "" },
        WriteForwardingException forwarding => new() { Kind = ForwardedErrorKind.ForwardingFailed, Message = forwarding.Message, MayHaveBeenApplied = forwarding.MayHaveBeenApplied },
        TimeoutException => new() { Kind = ForwardedErrorKind.Timeout, Message = exception.Message, MayHaveBeenApplied = true },
        _ => new() { Kind = ForwardedErrorKind.Failed, Message = $"{exception.GetType().Name}: {exception.Message}", MayHaveBeenApplied = true },
    };

    /// <summary>The exception a forwarding caller gets for an error its primary answered with.</summary>
    public static Exception ToException(ForwardedError error, Uri primary) => error.Kind switch
    {
        ForwardedErrorKind.ReadOnly => new ReadOnlyReplicaException(error.Message),
        ForwardedErrorKind.NotEnoughReplicas => new NotEnoughReplicasException(error.Message),
        ForwardedErrorKind.ArgumentOutOfRange => new ArgumentOutOfRangeException(NullIfEmpty(error.Parameter), error.Message),
        ForwardedErrorKind.Argument => new ArgumentException(error.Message, NullIfEmpty(error.Parameter)),
        ForwardedErrorKind.Timeout => new TimeoutException($"The primary at {primary} forwards writes further up its chain, and the write timed out there: {error.Message}"),
        ForwardedErrorKind.ForwardingFailed => new WriteForwardingException($"The primary at {primary} forwards writes further up its chain, and could not: {error.Message}", error.MayHaveBeenApplied),
        _ => new WriteForwardingException($"The primary at {primary} failed to apply the forwarded write: {error.Message}", error.MayHaveBeenApplied),
    };

    private static ForwardedSet NewSet(string key, ByteString value, DistributedCacheEntryOptions options)
    {
        var set = new ForwardedSet { Key = key, Value = value };
        if (options.AbsoluteExpiration is { } absolute)
        {
            set.AbsoluteExpirationUtcTicks = absolute.UtcTicks;
        }

        if (options.AbsoluteExpirationRelativeToNow is { } relative)
        {
            set.AbsoluteExpirationRelativeTicks = relative.Ticks;
        }

        if (options.SlidingExpiration is { } sliding)
        {
            set.SlidingExpirationTicks = sliding.Ticks;
        }

        return set;
    }

    /// <summary>
    /// The message without what <see cref="ArgumentException.Message"/> appends (the parameter name, the actual
    /// value), which the rebuilt exception appends again.
    /// </summary>
    private static string BareMessage(ArgumentException exception)
    {
        string message = exception.Message;
        if (exception is ArgumentOutOfRangeException { ActualValue: not null } && message.LastIndexOf('\n') is int line and > 0)
        {
            message = message[..line].TrimEnd('\r');
        }

        string suffix = $" (Parameter '{exception.ParamName}')";
        return exception.ParamName is not null && message.EndsWith(suffix, StringComparison.Ordinal) ? message[..^suffix.Length] : message;
    }

    /// <summary>
    /// The key check a local write makes, made here: the wire encodes keys as UTF-8 leniently, so a key with an
    /// unpaired surrogate would otherwise reach the primary changed, as another key.
    /// </summary>
    private static void CheckKey(string key) => _ = Storage.KeyCodec.GetByteCount(key);

    private static string? NullIfEmpty(string text) => text.Length == 0 ? null : text;
}
