namespace ReplCache.FaultInjection.Nemeses;

/// <summary>One fault of a schedule: what, for how long, and the quiet after it.</summary>
public sealed record ScheduledFault(int Index, Fault Fault, TimeSpan Hold, TimeSpan Quiet, int Pick)
{
    /// <summary>When it began and ended in the run (set as it runs).</summary>
    public TimeSpan Began { get; set; }

    public TimeSpan Ended { get; set; }

    /// <summary>Whether it could be applied (e.g. a coordinated failover needs a caught-up secondary).</summary>
    public string? Outcome { get; set; }
}

/// <summary>
/// A seeded schedule of faults, one at a time: the same seed gives the same faults, holds and quiet periods
/// whichever server runs, so each result is one row for both.
/// </summary>
public static class Schedule
{
    /// <summary>Faults until <paramref name="duration"/> is filled.</summary>
    public static List<ScheduledFault> Create(int seed, TimeSpan duration)
    {
        var random = new Random(seed);
        Fault[] faults = Enum.GetValues<Fault>();
        var schedule = new List<ScheduledFault>();
        TimeSpan total = TimeSpan.Zero;
        // Every kind once in a seeded order first, so even a short run meets each; then random draws.
        Fault[] firstRound = [.. faults.OrderBy(_ => random.Next())];
        for (int i = 0; total < duration && i < 10_000; i++)
        {
            Fault fault = i < firstRound.Length ? firstRound[i] : faults[random.Next(faults.Length)];
            TimeSpan hold = TimeSpan.FromMilliseconds(random.Next(3000, 7000));
            // Long enough for the Sentinels to finish a failover and the group to settle before the next fault.
            TimeSpan quiet = TimeSpan.FromMilliseconds(random.Next(6000, 9000));
            schedule.Add(new ScheduledFault(i, fault, hold, quiet, random.Next()));
            total += hold + quiet;
        }

        return schedule;
    }
}
