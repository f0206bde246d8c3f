namespace ReplCache.Resp.Directives;

/// <summary>
/// Parameters CONFIG GET reports that no config file sets here (a config line naming one is a bad directive):
/// the size limit under Redis's names, and what redis-benchmark asks for at start.
/// </summary>
internal static class ReportedParameters
{
    // Declared first: each entry below adds itself to it as it is initialised, so this is their textual order.
    private static readonly List<Directive> s_declared = [];

    public static readonly Directive MaxMemory = new(s_declared, "maxmemory")
    {
        Show = s => RedisUnits.Number(s.Options.SizeLimitBytes ?? 0),
    };

    public static readonly Directive MaxMemoryPolicy = new(s_declared, "maxmemory-policy")
    {
        Show = s => s.Options.SizeLimitBytes is null ? "noeviction" : "allkeys-lru",
    };

    // Asked for by redis-benchmark at start; there is no append-only file, no idle-client timeout, one database.
    public static readonly Directive AppendOnly = new(s_declared, "appendonly") { Show = _ => "no" };

    public static readonly Directive Timeout = new(s_declared, "timeout") { Show = _ => "0" };

    public static readonly Directive Databases = new(s_declared, "databases") { Show = _ => "1" };

    public static IReadOnlyList<Directive> All => s_declared;
}
