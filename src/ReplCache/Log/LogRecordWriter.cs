using System.Buffers;
using MessagePack;
using ReplCache.Storage;

namespace ReplCache.Backlog;

/// <summary>Encodes log records as MessagePack arrays (see <see cref="LogRecordKind"/> for their shapes).</summary>
internal static class LogRecordWriter
{
    /// <summary>A Set record stating <paramref name="entry"/> with the given sliding deadline.</summary>
    public static void WriteSet(IBufferWriter<byte> output, Entry entry, long slidingDeadlineMs) =>
        WriteSet(output, EntryLayout.Key(entry), EntryLayout.Value(entry), EntryLayout.AbsoluteExpiryMs(entry), EntryLayout.SlidingMs(entry), slidingDeadlineMs);

    /// <summary>A Set record from its parts.</summary>
    public static void WriteSet(IBufferWriter<byte> output, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, long absoluteExpiryMs, long slidingMs, long slidingDeadlineMs)
    {
        var writer = new MessagePackWriter(output);
        writer.WriteArrayHeader(6);
        writer.Write((byte)LogRecordKind.Set);
        writer.Write(key);
        writer.Write(value);
        writer.Write(absoluteExpiryMs);
        writer.Write(slidingMs);
        writer.Write(slidingDeadlineMs);
        writer.Flush();
    }

    public static void WriteRemove(IBufferWriter<byte> output, ReadOnlySpan<byte> key)
    {
        var writer = new MessagePackWriter(output);
        writer.WriteArrayHeader(2);
        writer.Write((byte)LogRecordKind.Remove);
        writer.Write(key);
        writer.Flush();
    }

    public static void WriteTouch(IBufferWriter<byte> output, ReadOnlySpan<byte> key, long slidingDeadlineMs)
    {
        var writer = new MessagePackWriter(output);
        writer.WriteArrayHeader(3);
        writer.Write((byte)LogRecordKind.Touch);
        writer.Write(key);
        writer.Write(slidingDeadlineMs);
        writer.Flush();
    }

    public static void WriteClear(IBufferWriter<byte> output)
    {
        var writer = new MessagePackWriter(output);
        writer.WriteArrayHeader(1);
        writer.Write((byte)LogRecordKind.Clear);
        writer.Flush();
    }
}
