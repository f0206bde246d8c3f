using System.Buffers;
using System.Buffers.Text;
using System.Text;

namespace ReplCache.Resp;

/// <summary>
/// Writes RESP2 replies into a connection's output. The common replies are <c>u8</c> literals and numbers are
/// formatted in place, so a GET, SET or PING reply allocates nothing; the connection flushes once per batch of
/// pipelined commands.
/// </summary>
internal sealed class RespWriter(IBufferWriter<byte> output)
{
    /// <summary>Large values are copied in pieces of this size, so a 512 MB reply never asks the pipe for one 512 MB block.</summary>
    private const int CopyChunk = 16 * 1024;

    public IBufferWriter<byte> Output { get; } = output;

    public void Ok() => Raw("+OK\r\n"u8);

    public void Pong() => Raw("+PONG\r\n"u8);

    public void Null() => Raw("$-1\r\n"u8);

    public void NullArray() => Raw("*-1\r\n"u8);

    public void EmptyArray() => Raw("*0\r\n"u8);

    public void Zero() => Raw(":0\r\n"u8);

    public void One() => Raw(":1\r\n"u8);

    /// <summary>Bytes already in RESP form (literals such as <c>"+OK\r\n"u8</c>).</summary>
    public void Raw(ReadOnlySpan<byte> bytes)
    {
        while (bytes.Length > 0)
        {
            Span<byte> span = Output.GetSpan(Math.Min(bytes.Length, CopyChunk));
            int n = Math.Min(span.Length, bytes.Length);
            bytes[..n].CopyTo(span);
            Output.Advance(n);
            bytes = bytes[n..];
        }
    }

    /// <summary>A status reply, <c>+text</c>; the text must hold no CR or LF.</summary>
    public void Simple(string text)
    {
        Raw("+"u8);
        Utf8(text);
        Raw("\r\n"u8);
    }

    /// <summary>
    /// An error reply, <c>-message</c>. <paramref name="message"/> starts with its code (<c>ERR</c>, <c>WRONGPASS</c>,
    /// ...); line breaks become spaces, as Redis's <c>addReplyError</c> does, so no text can break the framing.
    /// </summary>
    public void Error(string message)
    {
        Raw("-"u8);
        if (message.AsSpan().IndexOfAny('\r', '\n') >= 0)
        {
            message = message.Replace('\r', ' ').Replace('\n', ' ');
        }

        Utf8(message);
        Raw("\r\n"u8);
    }

    public void Integer(long value)
    {
        Span<byte> span = Output.GetSpan(24);
        span[0] = (byte)':';
        Utf8Formatter.TryFormat(value, span[1..], out int written);
        span[1 + written] = (byte)'\r';
        span[2 + written] = (byte)'\n';
        Output.Advance(written + 3);
    }

    public void ArrayHeader(int count) => Header((byte)'*', count);

    public void Bulk(ReadOnlySpan<byte> value)
    {
        Header((byte)'$', value.Length);
        Raw(value);
        Raw("\r\n"u8);
    }

    public void Bulk(string value)
    {
        Header((byte)'$', Encoding.UTF8.GetByteCount(value));
        Utf8(value);
        Raw("\r\n"u8);
    }

    /// <summary>A number as a bulk string (ROLE and CONFIG GET give some numbers as strings).</summary>
    public void BulkNumber(long value)
    {
        Span<byte> digits = stackalloc byte[20];
        Utf8Formatter.TryFormat(value, digits, out int written);
        Bulk(digits[..written]);
    }

    private void Header(byte kind, long length)
    {
        Span<byte> span = Output.GetSpan(24);
        span[0] = kind;
        Utf8Formatter.TryFormat(length, span[1..], out int written);
        span[1 + written] = (byte)'\r';
        span[2 + written] = (byte)'\n';
        Output.Advance(written + 3);
    }

    private void Utf8(string text)
    {
        if (text.Length <= CopyChunk / 3)
        {
            int written = Encoding.UTF8.GetBytes(text, Output.GetSpan(text.Length * 3));
            Output.Advance(written);
            return;
        }

        Raw(Encoding.UTF8.GetBytes(text));
    }
}
