using System.IO.Hashing;
using System.Security.Cryptography;
using System.Text;

namespace ReplCache.Storage;

/// <summary>Encodes keys to the UTF-8 bytes the store holds, and hashes those bytes.</summary>
internal static class KeyCodec
{
    /// <summary>Keys up to this many UTF-8 bytes are encoded on the stack on the read path.</summary>
    public const int StackLimit = 512;

    // Strict: a lone surrogate would otherwise become U+FFFD and two different keys would share
    // one entry — silent data corruption, which RedisCache's lenient encoding allows and we refuse.
    private static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    // A per-process random seed keeps an attacker who chooses keys from aiming them at one probe chain.
    private static readonly long Seed = RandomNumberGenerator.GetInt32(int.MaxValue) * (long)RandomNumberGenerator.GetInt32(int.MaxValue);

    public static int MaxByteCount(string key) => Strict.GetMaxByteCount(key.Length);

    public static int GetByteCount(string key)
    {
        try
        {
            return Strict.GetByteCount(key);
        }
        catch (EncoderFallbackException ex)
        {
            throw InvalidKey(ex);
        }
    }

    public static int Encode(string key, Span<byte> destination)
    {
        try
        {
            return Strict.GetBytes(key, destination);
        }
        catch (EncoderFallbackException ex)
        {
            throw InvalidKey(ex);
        }
    }

    public static byte[] Encode(string key)
    {
        var bytes = new byte[GetByteCount(key)];
        Encode(key, bytes);
        return bytes;
    }

    public static string Decode(ReadOnlySpan<byte> key) => Encoding.UTF8.GetString(key);

    /// <summary>
    /// The key's 64-bit hash: the table takes its home slot and its slots' tags from the low bits, and a table of
    /// over 2^32 slots could take more (see <see cref="EntryTable"/>); a 32-bit hash code is its low half.
    /// </summary>
    public static ulong Hash(ReadOnlySpan<byte> key) => XxHash3.HashToUInt64(key, Seed);

    private static ArgumentException InvalidKey(Exception inner) =>
        new("The key is not valid UTF-16 (it contains an unpaired surrogate), so it cannot be stored without changing it.", "key", inner);
}
