namespace ReplCache;

/// <summary>
/// One save point, as one pair of Redis's <c>save &lt;seconds&gt; &lt;changes&gt;</c>: a scheduled save runs once
/// <paramref name="Interval"/> has passed since the last save and at least <paramref name="MinChanges"/> changes were
/// made meanwhile. With several points, a save runs as soon as any one of them is satisfied.
/// </summary>
/// <param name="Interval">Time since the last save; positive.</param>
/// <param name="MinChanges">Changes made since the last save; at least 1.</param>
public sealed record SnapshotSavePoint(TimeSpan Interval, long MinChanges)
{
    /// <summary>
    /// Redis's default schedule when its config has no <c>save</c> line, <c>3600 1 300 100 60 10000</c>: after an hour
    /// with one change, five minutes with 100 changes, or a minute with 10000 changes.
    /// </summary>
    public static IReadOnlyList<SnapshotSavePoint> RedisDefaults { get; } =
    [
        new(TimeSpan.FromSeconds(3600), 1),
        new(TimeSpan.FromSeconds(300), 100),
        new(TimeSpan.FromSeconds(60), 10000),
    ];
}
