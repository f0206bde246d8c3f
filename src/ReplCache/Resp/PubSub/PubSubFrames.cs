using System.Buffers.Text;

namespace ReplCache.Resp.PubSub;

/// <summary>
/// The RESP2 frames a subscriber receives, built once per PUBLISH and shared by every subscriber they go to. Their
/// shape is what hiredis asserts on a subscribed link (an array of bulk strings, <c>message</c> or <c>pmessage</c>
/// first): a malformed one aborts every Redis Sentinel connected to the node.
/// </summary>
internal static class PubSubFrames
{
    /// <summary><c>*3 $7 message $channel $payload</c>.</summary>
    public static byte[] Message(ReadOnlySpan<byte> channel, ReadOnlySpan<byte> payload)
    {
        ReadOnlySpan<byte> head = "*3\r\n$7\r\nmessage\r\n"u8;
        byte[] frame = new byte[head.Length + BulkLength(channel.Length) + BulkLength(payload.Length)];
        head.CopyTo(frame);
        int at = WriteBulk(frame, head.Length, channel);
        WriteBulk(frame, at, payload);
        return frame;
    }

    /// <summary><c>*4 $8 pmessage $pattern $channel $payload</c>.</summary>
    public static byte[] PatternMessage(ReadOnlySpan<byte> pattern, ReadOnlySpan<byte> channel, ReadOnlySpan<byte> payload)
    {
        ReadOnlySpan<byte> head = "*4\r\n$8\r\npmessage\r\n"u8;
        byte[] frame = new byte[head.Length + BulkLength(pattern.Length) + BulkLength(channel.Length) + BulkLength(payload.Length)];
        head.CopyTo(frame);
        int at = WriteBulk(frame, head.Length, pattern);
        at = WriteBulk(frame, at, channel);
        WriteBulk(frame, at, payload);
        return frame;
    }

    /// <summary>
    /// A (p)(un)subscribe confirmation, <c>*3 $kind $name :count</c>; <paramref name="name"/> null is the nil bulk
    /// Redis sends for an UNSUBSCRIBE of nothing while subscribed to nothing.
    /// </summary>
    public static void Confirmation(RespWriter writer, ReadOnlySpan<byte> kind, ReadOnlySpan<byte> name, bool isNull, int count)
    {
        writer.ArrayHeader(3);
        writer.Bulk(kind);
        if (isNull)
        {
            writer.Null();
        }
        else
        {
            writer.Bulk(name);
        }

        writer.Integer(count);
    }

    private static int BulkLength(int length) => 1 + Digits(length) + 2 + length + 2;

    private static int WriteBulk(byte[] frame, int at, ReadOnlySpan<byte> value)
    {
        frame[at++] = (byte)'$';
        Utf8Formatter.TryFormat(value.Length, frame.AsSpan(at), out int written);
        at += written;
        frame[at++] = (byte)'\r';
        frame[at++] = (byte)'\n';
        value.CopyTo(frame.AsSpan(at));
        at += value.Length;
        frame[at++] = (byte)'\r';
        frame[at++] = (byte)'\n';
        return at;
    }

    private static int Digits(int value)
    {
        int digits = 1;
        while (value >= 10)
        {
            value /= 10;
            digits++;
        }

        return digits;
    }
}
