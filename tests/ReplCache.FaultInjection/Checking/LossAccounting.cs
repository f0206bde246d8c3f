using ReplCache.FaultInjection.Nemeses;
using ReplCache.FaultInjection.Workloads;

namespace ReplCache.FaultInjection.Checking;

/// <summary>
/// Charges each acknowledged write that is wrong at the end (a set missing, a deletion undone) to the fault that lost
/// it, and counts, for every fault, the writes it could have lost: the share lost per fault kind is what compares
/// two servers, whose counts depend on how many writes each took.
/// </summary>
public static class LossAccounting
{
    /// <param name="present">The unique keys the healed group's primary holds at the end.</param>
    public static void Charge(RunResult result, History history, IReadOnlyList<ScheduledFault> schedule, IReadOnlySet<string> present)
    {
        (ScheduledFault Fault, Checkpoint Checkpoint)[] checkpoints = [.. schedule
            .Where(f => history.Checkpoints.ContainsKey(f.Index))
            .Select(f => (f, history.Checkpoints[f.Index]))
            .OrderBy(c => c.Item2.At)];
        foreach (IGrouping<string, AckedWrite> key in history.Writes.GroupBy(w => w.Key))
        {
            AckedWrite last = key.OrderBy(w => w.At).Last();
            string fault = Attribute(last, schedule);
            Count(result.Acknowledged, fault, last.Ack);
            if (history.UncertainDeletes.ContainsKey(key.Key))
            {
                continue; // a deletion that may or may not have applied: the end state proves nothing
            }

            bool expected = !last.IsDelete;
            bool presentAtEnd = present.Contains(key.Key);
            (ScheduledFault Fault, Checkpoint Checkpoint)[] after = [.. checkpoints.Where(c => c.Checkpoint.At > last.At)];
            int lostAt = presentAtEnd == expected ? after.Length + 1 : LostAt(key.Key, expected, after);

            // At risk in every fault from its acknowledgement to the one that lost it; the final healing too, unless lost before it.
            for (int i = 0; i < Math.Min(lostAt + 1, after.Length); i++)
            {
                Count(result.AtRisk, after[i].Fault.Fault.ToString(), last.Ack);
            }

            if (lostAt >= after.Length)
            {
                Count(result.AtRisk, RunResult.FinalHealing, last.Ack);
            }

            if (presentAtEnd == expected)
            {
                continue;
            }

            string culprit = lostAt < after.Length ? after[lostAt].Fault.Fault.ToString() : RunResult.FinalHealing;
            Count(result.Lost, culprit, last.Ack);
            string since = lostAt < after.Length ? $", {(last.At - after[lostAt].Fault.Began).TotalSeconds:F3} s from #{after[lostAt].Fault.Index}'s start" : "";
            result.LostWrites.Add($"{key.Key} {(last.IsDelete ? "deleted" : "set")} {last.Ack} at {last.At.TotalSeconds:F3} s under {fault}, lost by {culprit}{since}");
            if (last.Ack == Ack.Plain && lostAt < after.Length)
            {
                var when = (after[lostAt].Fault.Fault.ToString(), TimingBucket(last.At - after[lostAt].Fault.Began));
                result.LostPlainByTiming[when] = result.LostPlainByTiming.GetValueOrDefault(when) + 1;
            }

            if (last.Ack != Ack.Plain && result.LostWithWait.Count < 20)
            {
                result.LostWithWait.Add($"{key.Key} ({(last.IsDelete ? "deleted" : "set")}, {last.Ack}, acknowledged at {last.At.TotalSeconds:F2} s under {fault}) lost by {culprit}");
            }

            if (last.IsDelete && last.Ack == Ack.Wait2)
            {
                result.Resurrected++;
            }
        }
    }

    /// <summary>
    /// Which of the checkpoints after a write (in order) lost it: the first of the run of checkpoints, ending with the
    /// last, at which the key was already in its wrong final state. <paramref name="checkpoints"/>.Length when the last
    /// checkpoint still had it right: the loss came with the final healing.
    /// </summary>
    private static int LostAt(string key, bool expected, (ScheduledFault Fault, Checkpoint Checkpoint)[] checkpoints)
    {
        int lostAt = checkpoints.Length;
        while (lostAt > 0 && checkpoints[lostAt - 1].Checkpoint.Keys.Contains(key) != expected)
        {
            lostAt--; // wrong here too: the loss began at or before this checkpoint
        }

        return lostAt;
    }

    /// <summary>When a write was acknowledged, relative to the start of the fault that lost it.</summary>
    public static string TimingBucket(TimeSpan sinceFaultBegan) => sinceFaultBegan.TotalSeconds switch
    {
        < -1 => "over 1 s before",
        < -0.01 => "10 ms to 1 s before",
        < 0 => "the last 10 ms before",
        < 1 => "its first second",
        < 3 => "1-3 s into it",
        _ => "3 s or more into it",
    };

    /// <summary>The fault in force when the write was acknowledged, else the next to begin (which is what could lose it).</summary>
    private static string Attribute(AckedWrite write, IReadOnlyList<ScheduledFault> schedule)
    {
        if (write.Nemesis >= 0)
        {
            return schedule[write.Nemesis].Fault.ToString();
        }

        ScheduledFault? next = schedule.FirstOrDefault(f => f.Began >= write.At && f.Began != TimeSpan.Zero);
        return next?.Fault.ToString() ?? "none";
    }

    private static void Count(Dictionary<(string, Ack), int> counts, string fault, Ack ack) =>
        counts[(fault, ack)] = counts.GetValueOrDefault((fault, ack)) + 1;
}
