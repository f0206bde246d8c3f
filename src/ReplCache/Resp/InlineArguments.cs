namespace ReplCache.Resp;

/// <summary>
/// Splits an inline command (what telnet and <c>redis-cli</c>'s plain lines send) into arguments with the rules of
/// Redis's <c>sdssplitargs</c>: blanks separate; "double quotes" take <c>\n \r \t \b \a \xHH</c> and <c>\</c> escapes;
/// 'single quotes' take only <c>\'</c>; a closing quote must be followed by a blank or the end of the line.
/// </summary>
internal static class InlineArguments
{
    /// <summary>Appends the arguments of <paramref name="line"/> (no line ending) to <paramref name="request"/>.</summary>
    /// <returns>False on unbalanced quotes, which Redis answers with a protocol error.</returns>
    public static bool Split(ReadOnlySpan<byte> line, RespRequest request)
    {
        // sdssplitargs works on a C string: a NUL byte ends the line.
        int nul = line.IndexOf((byte)0);
        if (nul >= 0)
        {
            line = line[..nul];
        }

        int p = 0;
        while (true)
        {
            while (p < line.Length && IsSpace(line[p]))
            {
                p++;
            }

            if (p == line.Length)
            {
                return true;
            }

            request.Append(0);
            bool inDouble = false, inSingle = false, done = false;
            while (!done)
            {
                byte c = At(line, p);
                if (inDouble)
                {
                    if (c == '\\' && At(line, p + 1) == 'x' && IsHex(At(line, p + 2)) && IsHex(At(line, p + 3)))
                    {
                        request.Extend((byte)((HexValue(At(line, p + 2)) << 4) | HexValue(At(line, p + 3))));
                        p += 3;
                    }
                    else if (c == '\\' && At(line, p + 1) != 0)
                    {
                        p++;
                        request.Extend(At(line, p) switch
                        {
                            (byte)'n' => (byte)'\n',
                            (byte)'r' => (byte)'\r',
                            (byte)'t' => (byte)'\t',
                            (byte)'b' => (byte)'\b',
                            (byte)'a' => (byte)'\a',
                            byte other => other,
                        });
                    }
                    else if (c == '"')
                    {
                        if (At(line, p + 1) != 0 && !IsSpace(At(line, p + 1)))
                        {
                            return false;
                        }

                        done = true;
                    }
                    else if (c == 0)
                    {
                        return false; // unterminated quotes
                    }
                    else
                    {
                        request.Extend(c);
                    }
                }
                else if (inSingle)
                {
                    if (c == '\\' && At(line, p + 1) == '\'')
                    {
                        p++;
                        request.Extend((byte)'\'');
                    }
                    else if (c == '\'')
                    {
                        if (At(line, p + 1) != 0 && !IsSpace(At(line, p + 1)))
                        {
                            return false;
                        }

                        done = true;
                    }
                    else if (c == 0)
                    {
                        return false;
                    }
                    else
                    {
                        request.Extend(c);
                    }
                }
                else
                {
                    switch (c)
                    {
                        case (byte)' ' or (byte)'\n' or (byte)'\r' or (byte)'\t' or 0:
                            done = true;
                            break;
                        case (byte)'"':
                            inDouble = true;
                            break;
                        case (byte)'\'':
                            inSingle = true;
                            break;
                        default:
                            request.Extend(c);
                            break;
                    }
                }

                if (c != 0)
                {
                    p++;
                }
            }
        }
    }

    private static byte At(ReadOnlySpan<byte> line, int index) => index < line.Length ? line[index] : (byte)0;

    /// <summary>C's <c>isspace</c> in the "C" locale.</summary>
    private static bool IsSpace(byte c) => c is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\v' or (byte)'\f' or (byte)'\r';

    private static bool IsHex(byte c) => char.IsAsciiHexDigit((char)c);

    private static int HexValue(byte c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}
