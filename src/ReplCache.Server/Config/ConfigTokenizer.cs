using System.Text;

namespace ReplCache.Server.Config;

/// <summary>
/// Splits one config line into arguments exactly as Redis's <c>sdssplitargs</c>: whitespace separates; double quotes
/// take <c>\n \r \t \b \a \\ \" \xHH</c> escapes; single quotes take <c>\'</c>; a closing quote must be followed by
/// whitespace or the end of the line; quotes may start in the middle of an argument (<c>a"b c"</c> is <c>ab c</c>).
/// </summary>
internal static class ConfigTokenizer
{
    /// <summary>Redis's own wording for a line <c>sdssplitargs</c> rejects.</summary>
    public const string UnbalancedQuotes = "Unbalanced quotes in configuration line";

    /// <summary>The arguments of <paramref name="line"/>, or null when its quotes are unbalanced.</summary>
    public static List<string>? Split(string line)
    {
        // Bytes, not chars: \xHH yields a raw byte, and several of them may form one UTF-8 character.
        var args = new List<string>();
        var current = new List<byte>();
        Span<byte> utf8 = stackalloc byte[4];
        int i = 0;
        while (true)
        {
            while (i < line.Length && IsSpace(line[i]))
            {
                i++;
            }

            if (i == line.Length)
            {
                return args;
            }

            // 0: unquoted, '"' or '\'': inside that quote. Redis's inq / insq.
            char quote = '\0';
            current.Clear();
            while (true)
            {
                if (i == line.Length)
                {
                    if (quote != '\0')
                    {
                        return null; // no closing quote
                    }

                    break;
                }

                char c = line[i];
                if (quote == '"')
                {
                    if (c == '\\' && i + 3 < line.Length && line[i + 1] == 'x' && char.IsAsciiHexDigit(line[i + 2]) && char.IsAsciiHexDigit(line[i + 3]))
                    {
                        current.Add((byte)((HexValue(line[i + 2]) << 4) | HexValue(line[i + 3])));
                        i += 4;
                    }
                    else if (c == '\\' && i + 1 < line.Length)
                    {
                        char escaped = line[i + 1];
                        i++;
                        if (escaped is 'n' or 'r' or 't' or 'b' or 'a')
                        {
                            current.Add(escaped switch { 'n' => (byte)'\n', 'r' => (byte)'\r', 't' => (byte)'\t', 'b' => (byte)'\b', _ => (byte)'\a' });
                            i++;
                        }
                        else
                        {
                            Append(current, line, ref i, utf8); // \" \\ and any other: the character itself
                        }
                    }
                    else if (c == '"')
                    {
                        // The closing quote must be followed by a space or nothing (Redis refuses "foo"bar).
                        if (i + 1 < line.Length && !IsSpace(line[i + 1]))
                        {
                            return null;
                        }

                        i++;
                        break;
                    }
                    else
                    {
                        Append(current, line, ref i, utf8);
                    }
                }
                else if (quote == '\'')
                {
                    if (c == '\\' && i + 1 < line.Length && line[i + 1] == '\'')
                    {
                        current.Add((byte)'\'');
                        i += 2;
                    }
                    else if (c == '\'')
                    {
                        if (i + 1 < line.Length && !IsSpace(line[i + 1]))
                        {
                            return null;
                        }

                        i++;
                        break;
                    }
                    else
                    {
                        Append(current, line, ref i, utf8);
                    }
                }
                else if (IsSpace(c))
                {
                    i++;
                    break;
                }
                else if (c is '"' or '\'')
                {
                    quote = c;
                    i++;
                }
                else
                {
                    Append(current, line, ref i, utf8);
                }
            }

            args.Add(Encoding.UTF8.GetString([.. current]));
        }
    }

    /// <summary>Appends the character at <paramref name="i"/> (a surrogate pair counts as one) as UTF-8 and moves past it.</summary>
    private static void Append(List<byte> current, string line, ref int i, Span<byte> utf8)
    {
        int length = char.IsHighSurrogate(line[i]) && i + 1 < line.Length && char.IsLowSurrogate(line[i + 1]) ? 2 : 1;
        int written = Encoding.UTF8.GetBytes(line.AsSpan(i, length), utf8);
        for (int b = 0; b < written; b++)
        {
            current.Add(utf8[b]);
        }

        i += length;
    }

    // C's isspace: space, \t, \n, \v, \f, \r.
    private static bool IsSpace(char c) => c is ' ' or '\t' or '\n' or '\v' or '\f' or '\r';

    private static int HexValue(char c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}
