using ReplCache.Resp.Directives;
using ReplCache.Storage;

namespace ReplCache.Resp;

/// <summary>
/// CONFIG GET: every <see cref="DirectiveTable"/> entry under its Redis name and in Redis's units (seconds, bytes,
/// yes/no), rendered from the running node, or the value the host program recorded for it (pidfile, dir, ...).
/// </summary>
internal static class ConfigParameters
{
    /// <summary>
    /// The one place CONFIG GET reaches the node: everything the entries render from is gathered here, so a change
    /// in how <see cref="RespServer"/> reaches its node rewires this method only.
    /// </summary>
    public static ConfigSource SourceOf(RespServer server) => new(
        server.Options,
        server.Replication.GetInfo().PrimaryAddress,
        Persistence.SnapshotSchedule.SavePoints(server.Options),
        server.HostSettings,
        server.EndPoint?.Port ?? 0);

    /// <summary>Every parameter and its value, in the table's order; an entry with no value here is left out.</summary>
    public static List<KeyValuePair<string, string>> All(ConfigSource source)
    {
        var values = new List<KeyValuePair<string, string>>(DirectiveTable.All.Count);
        foreach (Directive directive in DirectiveTable.All)
        {
            if ((source.HostSettings.GetValueOrDefault(directive.Name) ?? directive.Show?.Invoke(source)) is { } value)
            {
                values.Add(new(directive.Name, value));
            }
        }

        return values;
    }

    /// <summary>The parameters matching any of the globs (case-insensitive, as Redis's CONFIG GET), each once.</summary>
    public static List<KeyValuePair<string, string>> Matching(RespServer server, IEnumerable<string> globs)
    {
        KeyPattern[] patterns = [.. globs.Select(g => new KeyPattern(g.ToLowerInvariant()))];
        return All(SourceOf(server)).Where(p => patterns.Any(g => g.IsMatch(p.Key))).ToList();
    }
}
