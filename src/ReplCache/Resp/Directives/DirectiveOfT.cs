namespace ReplCache.Resp.Directives;

/// <summary>
/// A directive a config file sets, read into a value of type <typeparamref name="T"/>: the whole declaration of it —
/// name, arity, parsing with Redis's errors, the node option it sets, CONFIG GET and --help — is one of these.
/// </summary>
internal sealed class Directive<T> : Directive
{
    /// <param name="declaredIn">The group's list; the entry adds itself.</param>
    /// <param name="name">The Redis name, lower-case.</param>
    /// <param name="arity">Words on its line, the name included: n exactly, -n at least n (see <see cref="Directive.Arity"/>).</param>
    public Directive(ICollection<Directive> declaredIn, string name, int arity)
        : base(declaredIn, name, arity)
    {
        ArgumentOutOfRangeException.ThrowIfZero(arity);
    }

    /// <summary>Its value when no line gives it.</summary>
    public T Default { get; init; } = default!;

    /// <summary>
    /// Reads a line's arguments, the count already checked, throwing <see cref="DirectiveArguments.Error"/> for a
    /// bad one. The second argument is the value an earlier line gave (default when none did), for the
    /// directives whose lines add up: <c>save</c>, and <c>dir</c> relative to the one before.
    /// </summary>
    public required Func<DirectiveArguments, T?, T> Parse { get; init; }

    /// <summary>Sets the node option it maps onto one to one, when a line gave it; null for the directives combined into options by the host (bind and port into Listen, ...).</summary>
    public Action<T, ReplicatedCacheOptions>? ToOptions { get; init; }

    /// <summary>The value the host program records for CONFIG GET (it wins over <see cref="Directive.Show"/>); null: none.</summary>
    public Func<T, string>? HostShows { get; init; }

    internal override void Apply(DirectiveArguments args, DirectiveValues values)
    {
        int words = args.Count + 1;
        if (Arity > 0 ? words != Arity : words < -Arity)
        {
            throw args.Error("wrong number of arguments");
        }

        values.TryGet(this, out T? earlier);
        values.Set(this, Parse(args, earlier));
    }

    internal override void SetOption(DirectiveArguments args, ReplicatedCacheOptions options)
    {
        if (ToOptions is null)
        {
            throw new InvalidOperationException($"'{Name}' sets no option of its own, so CONFIG SET cannot change it");
        }

        ToOptions(Parse(args, default), options);
    }

    internal override void ApplyToOptions(DirectiveValues values, ReplicatedCacheOptions options)
    {
        if (ToOptions is not null && values.TryGet(this, out T? value))
        {
            ToOptions(value!, options); // what Parse returned: null only where T allows it
        }
    }

    internal override string? HostSetting(DirectiveValues values) => HostShows?.Invoke(values.Get(this));
}
