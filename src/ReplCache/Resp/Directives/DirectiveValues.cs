using System.Diagnostics.CodeAnalysis;

namespace ReplCache.Resp.Directives;

/// <summary>What the lines of a config read so far gave, directive by directive; a directive no line gave has its <see cref="Directive{T}.Default"/>.</summary>
internal sealed class DirectiveValues
{
    private readonly Dictionary<Directive, object?> _given = [];

    /// <summary>Whether a line gave it.</summary>
    public bool IsGiven(Directive directive) => _given.ContainsKey(directive);

    /// <summary>The value the last line gave, or the directive's default.</summary>
    public T Get<T>(Directive<T> directive) => TryGet(directive, out T? value) ? value : directive.Default;

    /// <summary>The value a line gave, if one did.</summary>
    public bool TryGet<T>(Directive<T> directive, [MaybeNullWhen(false)] out T value)
    {
        if (_given.TryGetValue(directive, out object? boxed))
        {
            value = (T)boxed!;
            return true;
        }

        value = default;
        return false;
    }

    internal void Set<T>(Directive<T> directive, T value) => _given[directive] = value;
}
