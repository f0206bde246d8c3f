using System.Buffers.Binary;

namespace ReplCache.Tests.Infrastructure;

/// <summary>
/// Values that say whose they are and whether they are whole, for the stress tests of lock-free reads against
/// block reuse: [key id][version][payload length][payload derived from both][FNV-1a of all before].
/// </summary>
internal static class ChecksummedValue
{
    /// <summary>The smallest value: the three ints and the checksum.</summary>
    public const int Overhead = 20;

    public static byte[] Create(int key, int version, int payloadBytes)
    {
        byte[] value = new byte[12 + payloadBytes + 8];
        BinaryPrimitives.WriteInt32LittleEndian(value, key);
        BinaryPrimitives.WriteInt32LittleEndian(value.AsSpan(4), version);
        BinaryPrimitives.WriteInt32LittleEndian(value.AsSpan(8), payloadBytes);
        for (int i = 0; i < payloadBytes; i++)
        {
            value[12 + i] = (byte)(key * 31 + version * 7 + i);
        }

        BinaryPrimitives.WriteUInt64LittleEndian(value.AsSpan(value.Length - 8), Fnv(value.AsSpan(0, value.Length - 8)));
        return value;
    }

    /// <summary>What is wrong with <paramref name="value"/> as key <paramref name="key"/>'s, or null when it is whole and its own.</summary>
    public static string? Verify(int key, ReadOnlySpan<byte> value)
    {
        if (value.Length < Overhead)
        {
            return $"key {key}: a {value.Length}-byte value";
        }

        int owner = BinaryPrimitives.ReadInt32LittleEndian(value);
        int payload = BinaryPrimitives.ReadInt32LittleEndian(value[8..]);
        if (owner != key)
        {
            return $"key {key} returned key {owner}'s value";
        }

        if (payload != value.Length - Overhead)
        {
            return $"key {key}: length field {payload}, value of {value.Length} bytes";
        }

        ulong stored = BinaryPrimitives.ReadUInt64LittleEndian(value[^8..]);
        return stored == Fnv(value[..^8]) ? null : $"key {key}: checksum mismatch (torn or reused block)";
    }

    private static ulong Fnv(ReadOnlySpan<byte> bytes)
    {
        ulong hash = 14695981039346656037UL;
        foreach (byte b in bytes)
        {
            hash = (hash ^ b) * 1099511628211UL;
        }

        return hash;
    }
}
