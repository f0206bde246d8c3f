namespace ReplCache.Storage;

/// <summary>
/// A compiled Redis glob (<c>KEYS</c>/<c>SCAN MATCH</c> syntax): <c>*</c>, <c>?</c>, <c>[abc]</c>, <c>[^a]</c>,
/// <c>[a-z]</c> and <c>\</c> escapes, case-sensitive. Parsing follows Redis's <c>stringmatchlen</c> to the letter,
/// including its treatment of odd patterns (an unclosed <c>[</c> runs to the end; a reversed range is swapped;
/// a trailing <c>\</c> is literal); matching is iterative, so no pattern can recurse deeply.
/// </summary>
internal sealed class KeyPattern
{
    public static readonly KeyPattern All = new("*");

    private readonly Token[] _tokens;
    private readonly bool _matchesAll;

    public KeyPattern(string pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        Text = pattern;
        _tokens = Parse(pattern);
        _matchesAll = _tokens.All(t => t.Kind == TokenKind.Star);
    }

    public string Text { get; }

    public bool IsMatch(ReadOnlySpan<char> text)
    {
        if (_matchesAll)
        {
            return true;
        }

        Token[] tokens = _tokens;
        int p = 0, s = 0, starP = -1, starS = 0;
        while (s < text.Length)
        {
            if (p < tokens.Length && tokens[p].Kind == TokenKind.Star)
            {
                starP = p++;
                starS = s;
            }
            else if (p < tokens.Length && tokens[p].Matches(text[s]))
            {
                p++;
                s++;
            }
            else if (starP >= 0)
            {
                // Backtrack: let the last star swallow one more character.
                p = starP + 1;
                s = ++starS;
            }
            else
            {
                return false;
            }
        }

        while (p < tokens.Length && tokens[p].Kind == TokenKind.Star)
        {
            p++;
        }

        return p == tokens.Length;
    }

    private static Token[] Parse(string pattern)
    {
        var tokens = new List<Token>();
        int i = 0;
        while (i < pattern.Length)
        {
            char c = pattern[i];
            switch (c)
            {
                case '*':
                    if (tokens.Count == 0 || tokens[^1].Kind != TokenKind.Star)
                    {
                        tokens.Add(new Token(TokenKind.Star));
                    }

                    i++;
                    break;
                case '?':
                    tokens.Add(new Token(TokenKind.Any));
                    i++;
                    break;
                case '[':
                    i = ParseClass(pattern, i + 1, tokens);
                    break;
                case '\\' when i + 1 < pattern.Length:
                    tokens.Add(Token.Literal(pattern[i + 1]));
                    i += 2;
                    break;
                default:
                    tokens.Add(Token.Literal(c));
                    i++;
                    break;
            }
        }

        return tokens.ToArray();
    }

    /// <summary>Parses a class starting just after '['; returns the index after it.</summary>
    private static int ParseClass(string pattern, int i, List<Token> tokens)
    {
        bool negate = i < pattern.Length && pattern[i] == '^';
        if (negate)
        {
            i++;
        }

        var ranges = new List<(char Low, char High)>();
        while (true)
        {
            int remaining = pattern.Length - i;
            if (remaining == 0)
            {
                break; // unclosed: Redis treats the pattern's end as the class's end
            }

            char c = pattern[i];
            if (c == '\\' && remaining >= 2)
            {
                ranges.Add((pattern[i + 1], pattern[i + 1]));
                i += 2;
            }
            else if (c == ']')
            {
                i++;
                break;
            }
            else if (remaining >= 3 && pattern[i + 1] == '-')
            {
                char low = c, high = pattern[i + 2];
                ranges.Add(low <= high ? (low, high) : (high, low));
                i += 3;
            }
            else
            {
                ranges.Add((c, c));
                i++;
            }
        }

        tokens.Add(new Token(TokenKind.Class) { Negate = negate, Ranges = ranges.ToArray() });
        return i;
    }

    private enum TokenKind
    {
        Literal,
        Any,
        Star,
        Class,
    }

    private readonly record struct Token(TokenKind Kind)
    {
        public char Char { get; init; }

        public bool Negate { get; init; }

        public (char Low, char High)[]? Ranges { get; init; }

        public static Token Literal(char c) => new(TokenKind.Literal) { Char = c };

        public bool Matches(char c)
        {
            switch (Kind)
            {
                case TokenKind.Literal:
                    return c == Char;
                case TokenKind.Any:
                    return true;
                case TokenKind.Class:
                    bool inClass = false;
                    foreach ((char low, char high) in Ranges!)
                    {
                        if (c >= low && c <= high)
                        {
                            inClass = true;
                            break;
                        }
                    }

                    return inClass != Negate;
                default:
                    return false;
            }
        }
    }
}
