using System.Globalization;

namespace ReplCache.Resp.Directives;

/// <summary>
/// One config line's arguments (its name excluded), read as Redis reads them and refused in Redis's words where Redis
/// has the same error ("argument must be 'yes' or 'no'"). The errors are made by the caller's factory, so they carry
/// the file and line this type does not know.
/// </summary>
internal sealed class DirectiveArguments : IReadOnlyList<string>
{
    private readonly IReadOnlyList<string> _args;
    private readonly Func<string, Exception> _error;

    /// <param name="args">The arguments, the directive's name excluded.</param>
    /// <param name="error">Makes the exception for a problem with this line.</param>
    public DirectiveArguments(IReadOnlyList<string> args, Func<string, Exception> error)
    {
        _args = args;
        _error = error;
    }

    public int Count => _args.Count;

    public string this[int index] => _args[index];

    public IEnumerator<string> GetEnumerator() => _args.GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>The exception reporting <paramref name="problem"/> on this line, to throw.</summary>
    public Exception Error(string problem) => _error(problem);

    /// <summary>The argument, or null when it is empty: Redis's way of unsetting a string (<c>requirepass ""</c>).</summary>
    public string? TextOrNull(int index = 0) => _args[index].Length == 0 ? null : _args[index];

    /// <summary>A whole number from <paramref name="min"/> to <paramref name="max"/>, as Redis's numeric configs.</summary>
    public int Integer(int min, int max, int index = 0)
    {
        if (!long.TryParse(_args[index], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long value))
        {
            throw Error("argument couldn't be parsed into an integer");
        }

        return value >= min && value <= max
            ? (int)value
            : throw Error($"argument must be between {min} and {max} inclusive");
    }

    /// <summary>Redis's booleans: yes or no, in any case.</summary>
    public bool YesNo(int index = 0) => _args[index].ToLowerInvariant() switch
    {
        "yes" => true,
        "no" => false,
        _ => throw Error("argument must be 'yes' or 'no'"),
    };

    /// <summary>A memory value, as <see cref="MemorySize"/>.</summary>
    public long Memory(int index = 0) =>
        MemorySize.TryParse(_args[index], out long bytes) ? bytes : throw Error("argument must be a memory value");

    /// <summary>One of Redis's enumerated words, in any case; the error lists them in the order given.</summary>
    public TValue OneOf<TValue>(IReadOnlyList<(string Word, TValue Value)> choices, int index = 0)
    {
        string word = _args[index].ToLowerInvariant();
        foreach ((string choice, TValue value) in choices)
        {
            if (choice == word)
            {
                return value;
            }
        }

        throw Error($"argument(s) must be one of the following: {string.Join(", ", choices.Select(c => c.Word))}");
    }
}
