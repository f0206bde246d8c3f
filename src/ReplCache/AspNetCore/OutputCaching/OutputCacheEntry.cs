using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace ReplCache.AspNetCore.OutputCaching;

/// <summary>
/// How a cached response is stored: the version of each of its tags as it was when the response was stored, then the
/// response's bytes. The entry is valid while every tag still has that version (see <see cref="ReplicatedOutputCacheStore"/>).
/// </summary>
/// <remarks>
/// <code>
/// [format 1 byte = 1] [tag count u16] { [tag name length u16] [tag name UTF-8] [tag version u64] }* [payload]
/// </code>
/// Little-endian. A value that does not parse is not an entry (a foreign writer under the prefix): a miss.
/// </remarks>
internal static class OutputCacheEntry
{
    private const byte Format = 1;

    public static byte[] Encode(ReadOnlySpan<string> tags, Func<string, ulong> versionOf, in ReadOnlySequence<byte> payload)
    {
        int headerLength = 1 + sizeof(ushort);
        foreach (string tag in tags)
        {
            headerLength += sizeof(ushort) + Encoding.UTF8.GetByteCount(tag) + sizeof(ulong);
        }

        if (tags.Length > ushort.MaxValue)
        {
            throw new ArgumentException($"An output cache entry may have at most {ushort.MaxValue} tags (it has {tags.Length}).", nameof(tags));
        }

        byte[] entry = new byte[checked(headerLength + (int)payload.Length)];
        Span<byte> at = entry;
        at[0] = Format;
        BinaryPrimitives.WriteUInt16LittleEndian(at[1..], (ushort)tags.Length);
        at = at[3..];
        foreach (string tag in tags)
        {
            int length = Encoding.UTF8.GetBytes(tag, at[sizeof(ushort)..]);
            if (length > ushort.MaxValue)
            {
                throw new ArgumentException($"An output cache tag may be at most {ushort.MaxValue} bytes long ('{tag[..32]}...' is {length}).", nameof(tags));
            }

            BinaryPrimitives.WriteUInt16LittleEndian(at, (ushort)length);
            BinaryPrimitives.WriteUInt64LittleEndian(at[(sizeof(ushort) + length)..], versionOf(tag));
            at = at[(sizeof(ushort) + length + sizeof(ulong))..];
        }

        payload.CopyTo(at);
        return entry;
    }

    /// <summary>Where the payload starts, if <paramref name="entry"/> parses and every tag still has its stored version.</summary>
    public static bool TryGetValidPayload(ReadOnlySpan<byte> entry, Func<string, ulong> versionOf, out int payloadStart)
    {
        payloadStart = 0;
        if (entry.Length < 3 || entry[0] != Format)
        {
            return false;
        }

        int count = BinaryPrimitives.ReadUInt16LittleEndian(entry[1..]);
        int at = 3;
        for (int i = 0; i < count; i++)
        {
            if (entry.Length - at < sizeof(ushort))
            {
                return false;
            }

            int length = BinaryPrimitives.ReadUInt16LittleEndian(entry[at..]);
            at += sizeof(ushort);
            if (entry.Length - at < length + sizeof(ulong))
            {
                return false;
            }

            string tag = Encoding.UTF8.GetString(entry.Slice(at, length));
            ulong stored = BinaryPrimitives.ReadUInt64LittleEndian(entry[(at + length)..]);
            if (versionOf(tag) != stored)
            {
                return false; // the tag was evicted since this response was stored
            }

            at += length + sizeof(ulong);
        }

        payloadStart = at;
        return true;
    }
}
