namespace ReplCache.Resp;

/// <summary>Integers as Redis reads them from the wire and from arguments (its <c>string2ll</c>).</summary>
internal static class RespNumber
{
    /// <summary>
    /// Redis's <c>string2ll</c>: an optional '-', then digits with no leading zero (except "0" itself), no sign '+',
    /// no spaces, within <see cref="long"/>. Stricter than <see cref="long.TryParse(string?, out long)"/> on purpose:
    /// "007" or " 7" are protocol errors in Redis and must be here too.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> text, out long value)
    {
        value = 0;
        if (text.IsEmpty || text.Length > 20)
        {
            return false;
        }

        if (text.Length == 1 && text[0] == (byte)'0')
        {
            return true;
        }

        bool negative = text[0] == (byte)'-';
        ReadOnlySpan<byte> digits = negative ? text[1..] : text;
        if (digits.IsEmpty || digits[0] is < (byte)'1' or > (byte)'9')
        {
            return false;
        }

        ulong magnitude = 0;
        foreach (byte b in digits)
        {
            if (b is < (byte)'0' or > (byte)'9')
            {
                return false;
            }

            ulong next = magnitude * 10 + (ulong)(b - '0');
            if (magnitude > ulong.MaxValue / 10 || next < magnitude)
            {
                return false;
            }

            magnitude = next;
        }

        if (negative)
        {
            if (magnitude > (ulong)long.MaxValue + 1)
            {
                return false;
            }

            value = (long)(0 - magnitude);
            return true;
        }

        if (magnitude > long.MaxValue)
        {
            return false;
        }

        value = (long)magnitude;
        return true;
    }
}
