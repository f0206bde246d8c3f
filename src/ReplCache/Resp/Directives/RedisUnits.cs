using System.Globalization;

namespace ReplCache.Resp.Directives;

/// <summary>Values as Redis's CONFIG GET words them: whole numbers, whole seconds, yes/no, save points as one line.</summary>
internal static class RedisUnits
{
    public static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>Whole seconds, rounded up so that a sub-second setting does not read as "disabled" (0).</summary>
    public static string Seconds(TimeSpan span) => Number((long)Math.Ceiling(span.TotalSeconds));

    public static string YesNo(bool value) => value ? "yes" : "no";

    /// <summary>As <c>CONFIG GET save</c>: "3600 1 300 100", or "" for none.</summary>
    public static string SavePoints(IEnumerable<SnapshotSavePoint> points) =>
        string.Join(' ', points.Select(p => $"{Seconds(p.Interval)} {Number(p.MinChanges)}"));

    /// <summary>The word of an enumerated directive's value (the inverse of <see cref="DirectiveArguments.OneOf"/>).</summary>
    public static string Word<TValue>(IReadOnlyList<(string Word, TValue Value)> choices, TValue value) =>
        choices.First(c => EqualityComparer<TValue>.Default.Equals(c.Value, value)).Word;

    /// <summary>The host of <c>host:port</c>, an IPv6 address without its brackets.</summary>
    public static string? Host(string? hostAndPort)
    {
        if (hostAndPort is null)
        {
            return null;
        }

        int colon = hostAndPort.LastIndexOf(':');
        return (colon > 0 ? hostAndPort[..colon] : hostAndPort).Trim('[', ']');
    }
}
