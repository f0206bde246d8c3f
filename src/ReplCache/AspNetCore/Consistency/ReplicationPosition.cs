using System.Globalization;

namespace ReplCache.AspNetCore.Consistency;

/// <summary>
/// A point of a replication history, as the consistency header and cookie carry it: <c>&lt;replication id&gt;:&lt;offset&gt;</c>.
/// </summary>
internal readonly record struct ReplicationPosition(string ReplicationId, long Offset)
{
    /// <summary>Ids are 40 hex digits; anything much longer is not ours, and is not worth parsing.</summary>
    private const int MaxLength = 64;

    public static ReplicationPosition Of(ReplicationInfo info) => new(info.ReplicationId, info.Offset);

    /// <summary>Reads a position; false for anything else (absent, foreign, truncated), which is then ignored.</summary>
    public static bool TryParse(string? text, out ReplicationPosition position)
    {
        position = default;
        if (string.IsNullOrEmpty(text) || text.Length > MaxLength)
        {
            return false;
        }

        int colon = text.LastIndexOf(':');
        if (colon <= 0 || !long.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out long offset)
            || !IsHex(text.AsSpan(0, colon)))
        {
            return false;
        }

        position = new ReplicationPosition(text[..colon], offset);
        return true;
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{ReplicationId}:{Offset}");

    private static bool IsHex(ReadOnlySpan<char> id) => !id.ContainsAnyExcept("0123456789abcdefABCDEF");
}
