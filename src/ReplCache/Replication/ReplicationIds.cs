using System.Security.Cryptography;

namespace ReplCache.Replication;

/// <summary>Random 40-hex-digit ids, the shape of Redis's run id and replication id.</summary>
internal static class ReplicationIds
{
    public const int Length = 40;

    public static string NewId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(Length / 2));

    public static bool IsValid(string? id) => id is { Length: Length } && id.All(char.IsAsciiHexDigitLower);
}
