namespace ReplCache.Resp.Directives;

/// <summary>
/// Every redis.conf directive and CONFIG GET parameter, each declared once in its group: the server program parses
/// config lines, maps them onto the node's options and prints --help from these entries, and CONFIG GET renders
/// them for any node, embedded ones included. Adding a directive is adding one entry to its group.
/// </summary>
internal static class DirectiveTable
{
    /// <summary>Every entry, in the order --help lists them (and CONFIG GET reports them).</summary>
    public static IReadOnlyList<Directive> All { get; } =
    [
        .. ListenerDirectives.All,
        .. PersistenceDirectives.All,
        .. ReplicationDirectives.All,
        .. TlsDirectives.All,
        .. ProcessDirectives.All,
        .. ReportedParameters.All,
    ];

    /// <summary>By name and by alias: Redis's directive names are case-insensitive.</summary>
    private static readonly Dictionary<string, Directive> s_byName = All
        .SelectMany(d => d.Aliases.Prepend(d.Name).Select(name => KeyValuePair.Create(name, d)))
        .ToDictionary(StringComparer.OrdinalIgnoreCase);

    /// <summary>The entry named <paramref name="name"/> (or one of its aliases), or null.</summary>
    public static Directive? Find(string name) => s_byName.GetValueOrDefault(name);

    /// <summary>
    /// The names of the directives a rejected option is reported against: those that set it, then those it
    /// depends on (<c>repl-timeout</c>, then <c>repl-ping-replica-period</c>, for ReplicationTimeout).
    /// </summary>
    public static IReadOnlyList<string> DirectivesOf(string option) =>
    [
        .. All.Where(d => d.Sets.Contains(option)).Select(d => d.Name),
        .. All.Where(d => d.Affects.Contains(option)).Select(d => d.Name),
    ];
}
