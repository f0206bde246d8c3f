using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using ReplCache.Storage;

namespace ReplCache.Backlog;

/// <summary>
/// Encodes the live entries a walk of the store hands over as Set records — the unit of a full sync's snapshot
/// chunks and of the snapshot file — into one buffer, until it holds about <paramref name="fullAtBytes"/>.
/// </summary>
/// <remarks>
/// A sliding entry is stated with the later of its own deadline and the one secondaries were told, so that a
/// secondary or a restarted node never hides an entry sooner than its primary's log promised.
/// </remarks>
/// <param name="output">Where the records go; the caller resets it between steps.</param>
/// <param name="fullAtBytes">The size at which the walk's step ends.</param>
/// <param name="lengthPrefixed">Each record preceded by its length as a little-endian uint32 (the snapshot file's framing).</param>
internal struct SetRecordSink(ArrayBufferWriter<byte> output, int fullAtBytes, bool lengthPrefixed) : IEntrySink
{
    /// <summary>Records written since the sink was made.</summary>
    public long Entries { get; private set; }

    public readonly bool IsFull => output.WrittenCount >= fullAtBytes;

    public void Accept(Entry entry)
    {
        long deadline = EntryLayout.SlidingMs(entry) == 0 ? 0 : Math.Max(EntryLayout.SlidingDeadlineMs(entry), EntryLayout.LoggedDeadlineMs(entry));
        if (!lengthPrefixed)
        {
            LogRecordWriter.WriteSet(output, entry, deadline);
        }
        else
        {
            int prefixAt = output.WrittenCount;
            output.GetSpan(4);
            output.Advance(4);
            LogRecordWriter.WriteSet(output, entry, deadline);
            Span<byte> written = MemoryMarshal.AsMemory(output.WrittenMemory).Span;
            BinaryPrimitives.WriteUInt32LittleEndian(written[prefixAt..], (uint)(output.WrittenCount - prefixAt - 4));
        }

        Entries++;
    }
}
