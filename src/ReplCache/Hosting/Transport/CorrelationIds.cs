namespace ReplCache.Hosting.Transport;

/// <summary>Connection ids unique within the process, as Kestrel's own transport makes them.</summary>
internal static class CorrelationIds
{
    private static long _last;

    public static string Next() => "rc-" + Interlocked.Increment(ref _last).ToString("x", System.Globalization.CultureInfo.InvariantCulture);
}
