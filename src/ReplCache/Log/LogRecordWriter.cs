using System.Buffers;
using MessagePack;
using ReplCache.Storage;

namespace ReplCache.Backlog;

/// <summary>Encodes log records as MessagePack arrays (see <see cref="LogRecordKind"/> for their shapes).</summary>
internal static class LogRecordWriter
{
    /// <summary>A Set record stating <paramref name="entry"/> with the given sliding deadline.</summary>
    public static void WriteSet(IBufferWriter<byte> output, byte[] entry, long slidingDeadlineMs)
    {
        var writer = new MessagePackWriter(output);
        writer.WriteArrayHeader(6);
        writer.Write((byte)LogRecordKind.Set);
        writer.Write(EntryLayout.Key(entry));
        writer.Write(EntryLayout.Value(entry));
        writer.Write(EntryLayout.AbsoluteExpiryMs(entry));
        writer.Write(EntryLayout.SlidingMs(entry));
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
