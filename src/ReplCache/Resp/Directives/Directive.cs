namespace ReplCache.Resp.Directives;

/// <summary>
/// One entry of <see cref="DirectiveTable"/>: a redis.conf directive under its Redis name, or a parameter that only
/// <c>CONFIG GET</c> reports (this base type, for names such as <c>maxmemory</c> that no config file sets here).
/// A directive a config file sets is a <see cref="Directive{T}"/>, which adds how its arguments are read.
/// </summary>
internal class Directive
{
    /// <summary>A parameter <c>CONFIG GET</c> reports and no config file sets.</summary>
    /// <param name="declaredIn">The group's list; the entry adds itself, so the group's order is its declaration order.</param>
    /// <param name="name">The Redis name, lower-case.</param>
    public Directive(ICollection<Directive> declaredIn, string name)
        : this(declaredIn, name, arity: 0)
    {
    }

    protected Directive(ICollection<Directive> declaredIn, string name, int arity)
    {
        Name = name;
        Arity = arity;
        declaredIn.Add(this);
    }

    /// <summary>The Redis name, lower-case: the config-file directive and the CONFIG GET parameter.</summary>
    public string Name { get; }

    /// <summary>
    /// How many words a config line of it has, counting the name, as <see cref="RespCommand.Arity"/> and Redis's
    /// <c>argc</c>: n means exactly n, -n at least n. 0: not a config-file directive (CONFIG GET only).
    /// </summary>
    public int Arity { get; }

    /// <summary>Whether a config file (or a command-line option) may set it.</summary>
    public bool IsSettable => Arity != 0;

    /// <summary>
    /// Whether <c>CONFIG SET</c> may change it on a running node: only where every part that uses the option reads
    /// it at each use (min-replicas-*, replica-priority, replica-serve-stale-data), so the change takes effect at once.
    /// </summary>
    public bool SetAtRuntime { get; init; }

    /// <summary>Other names a config file may use for it: Redis's old <c>slave*</c> names.</summary>
    public string[] Aliases { get; init; } = [];

    /// <summary>
    /// CONFIG GET's value, from the running node. Null: the node has no such fact, and only a value the host
    /// program records (see <see cref="Directive{T}.HostShows"/>) is shown; with neither, CONFIG GET omits it.
    /// </summary>
    public Func<ConfigSource, string>? Show { get; init; }

    /// <summary>
    /// Its lines in replcache-server's --help, as printed (without the two-space indent). Null: described in the
    /// lines of a directive declared before it (masterauth with requirepass, ...), or not listed.
    /// </summary>
    public string? Help { get; init; }

    /// <summary>The <see cref="ReplicatedCacheOptions"/> it sets ("Tls.KeyPath" for a TLS one): a rejected value is reported against it.</summary>
    public string[] Sets { get; init; } = [];

    /// <summary>
    /// Options it feeds without setting them (dir: SnapshotPath; repl-ping-replica-period: ReplicationTimeout, which
    /// must be longer): a rejected value is reported against it too, after the directives that set the option.
    /// </summary>
    public string[] Affects { get; init; } = [];

    /// <summary>Reads one config line's arguments (the name excluded) into <paramref name="values"/>.</summary>
    internal virtual void Apply(DirectiveArguments args, DirectiveValues values) =>
        throw new InvalidOperationException($"'{Name}' is not set by a config file");

    /// <summary>Reads <c>CONFIG SET</c>'s value (one word) and sets the option it maps onto; throws <see cref="DirectiveArguments.Error"/> for a bad one.</summary>
    internal virtual void SetOption(DirectiveArguments args, ReplicatedCacheOptions options) =>
        throw new InvalidOperationException($"'{Name}' cannot be set at runtime");

    /// <summary>Sets the node option this directive maps onto one to one, when a line gave it.</summary>
    internal virtual void ApplyToOptions(DirectiveValues values, ReplicatedCacheOptions options)
    {
    }

    /// <summary>The value the host program records for CONFIG GET, or null when it records none.</summary>
    internal virtual string? HostSetting(DirectiveValues values) => null;
}
