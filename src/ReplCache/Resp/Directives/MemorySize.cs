using System.Globalization;

namespace ReplCache.Resp.Directives;

/// <summary>
/// Redis's memory values (<c>memtoll</c>): a whole number with an optional case-insensitive unit — <c>b</c>;
/// <c>k</c>, <c>m</c>, <c>g</c> in powers of 1000; <c>kb</c>, <c>mb</c>, <c>gb</c> in powers of 1024.
/// </summary>
internal static class MemorySize
{
    public static bool TryParse(string text, out long bytes)
    {
        bytes = 0;
        int digits = 0;
        while (digits < text.Length && char.IsAsciiDigit(text[digits]))
        {
            digits++;
        }

        long multiplier = text[digits..].ToLowerInvariant() switch
        {
            "" or "b" => 1,
            "k" => 1000,
            "kb" => 1024,
            "m" => 1000 * 1000,
            "mb" => 1024 * 1024,
            "g" => 1000L * 1000 * 1000,
            "gb" => 1024L * 1024 * 1024,
            _ => 0,
        };
        if (digits == 0 || multiplier == 0
            || !long.TryParse(text.AsSpan(0, digits), NumberStyles.None, CultureInfo.InvariantCulture, out long value)
            || value > long.MaxValue / multiplier)
        {
            return false;
        }

        bytes = value * multiplier;
        return true;
    }
}
