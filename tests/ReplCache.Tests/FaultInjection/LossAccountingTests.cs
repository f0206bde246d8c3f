using ReplCache.FaultInjection.Checking;
using ReplCache.FaultInjection.Group;
using ReplCache.FaultInjection.Nemeses;
using ReplCache.FaultInjection.Workloads;

namespace ReplCache.Tests.FaultInjection;

/// <summary>
/// The fault runner's attribution of lost writes, on a history written by hand: a write is lost by the fault after
/// whose quiet period the primary no longer held it for good, and is at risk in every fault from its acknowledgement
/// to that one. (Before this test the walk was inverted: every loss fell back to the fault in force at its
/// acknowledgement, which put about 88 % in every row of the 30-minute table, KillSecondary's included.)
/// </summary>
public sealed class LossAccountingTests
{
    private static readonly ScheduledFault[] Faults =
    [
        Fault(0, ReplCache.FaultInjection.Nemeses.Fault.KillSecondary, began: 10, ended: 14),
        Fault(1, ReplCache.FaultInjection.Nemeses.Fault.RestartPrimaryEmpty, began: 25, ended: 29),
        Fault(2, ReplCache.FaultInjection.Nemeses.Fault.FreezePrimary, began: 40, ended: 44),
    ];

    [Fact]
    public void LostWrites_AreChargedToTheFaultAfterWhichTheyWereGoneForGood()
    {
        var history = new History();
        // a: lost by the empty restart and never back. b: kept throughout. c: gone at the first checkpoint, back at the
        // second, gone for good at the third. d: present at every checkpoint, missing only at the end. e: deleted with
        // WAIT 2, back after the freeze (a resurrection). f: written after the last checkpoint and lost.
        Write(history, "u:a", at: 5, Ack.Wait2);
        Write(history, "u:b", at: 5, Ack.Plain);
        Write(history, "u:c", at: 5, Ack.Wait1);
        Write(history, "u:d", at: 30, Ack.Plain);
        history.Writes.Enqueue(new AckedWrite("u:e", IsDelete: false, Ack.Plain, -1, TimeSpan.FromSeconds(4)));
        history.Writes.Enqueue(new AckedWrite("u:e", IsDelete: true, Ack.Wait2, -1, TimeSpan.FromSeconds(33)));
        Write(history, "u:f", at: 60, Ack.Plain);
        Checkpoint(history, 0, at: 20, "u:a", "u:b", "u:e");
        Checkpoint(history, 1, at: 35, "u:b", "u:c", "u:d");
        Checkpoint(history, 2, at: 50, "u:b", "u:d", "u:e");
        RunResult result = NewResult();

        LossAccounting.Charge(result, history, Faults, new HashSet<string>(["u:b", "u:e"], StringComparer.Ordinal));

        Assert.Equal(1, result.Lost.GetValueOrDefault(("RestartPrimaryEmpty", Ack.Wait2))); // a
        Assert.Equal(1, result.Lost.GetValueOrDefault(("FreezePrimary", Ack.Wait1))); // c
        Assert.Equal(1, result.Lost.GetValueOrDefault(("FreezePrimary", Ack.Wait2))); // e
        Assert.Equal(2, result.Lost.GetValueOrDefault((RunResult.FinalHealing, Ack.Plain))); // d, f
        Assert.Equal(5, result.TotalLost);
        Assert.Equal(1, result.Resurrected);
        Assert.DoesNotContain(result.Lost.Keys, k => k.Fault == "KillSecondary");

        // At risk: a in the first two faults (lost by the second); b and c in all three, b in the healing too; d, written
        // after the empty restart ended but before its checkpoint, in that one, the freeze and the healing; e in the
        // restart's and the freeze's; f only in the healing.
        Assert.Equal(3, Risk(result, "KillSecondary"));
        Assert.Equal(1, result.AtRisk.GetValueOrDefault(("KillSecondary", Ack.Plain)));
        Assert.Equal(5, Risk(result, "RestartPrimaryEmpty"));
        Assert.Equal(4, Risk(result, "FreezePrimary"));
        Assert.Equal(3, Risk(result, RunResult.FinalHealing));
        Assert.Equal(0.2, result.ShareLost("RestartPrimaryEmpty"), 3);
        Assert.Equal(0.5, result.ShareLost("FreezePrimary"), 3);
        Assert.Equal(0, result.ShareLost("KillSecondary"));
    }

    [Fact]
    public void LostPlainWrites_AreCountedByWhenTheyWereAcknowledged_RelativeToTheFaultThatLostThem()
    {
        var history = new History();
        // g: acknowledged 5 ms before the freeze began; h: 2 s into it (by a node the freeze was about to overrule).
        history.Writes.Enqueue(new AckedWrite("u:g", IsDelete: false, Ack.Plain, -1, TimeSpan.FromSeconds(39.995)));
        history.Writes.Enqueue(new AckedWrite("u:h", IsDelete: false, Ack.Plain, 2, TimeSpan.FromSeconds(42)));
        Checkpoint(history, 0, at: 20);
        Checkpoint(history, 1, at: 35);
        Checkpoint(history, 2, at: 50);
        RunResult result = NewResult();

        LossAccounting.Charge(result, history, Faults, new HashSet<string>(StringComparer.Ordinal));

        Assert.Equal(2, result.Lost.GetValueOrDefault(("FreezePrimary", Ack.Plain)));
        Assert.Equal(1, result.LostPlainByTiming.GetValueOrDefault(("FreezePrimary", "the last 10 ms before")));
        Assert.Equal(1, result.LostPlainByTiming.GetValueOrDefault(("FreezePrimary", "1-3 s into it")));
        Assert.Equal(2, result.LostPlainByTiming.Values.Sum());
    }

    private static int Risk(RunResult result, string fault) => result.AtRisk.Where(a => a.Key.Fault == fault).Sum(a => a.Value);

    private static ScheduledFault Fault(int index, Fault fault, int began, int ended) =>
        new(index, fault, TimeSpan.FromSeconds(ended - began), TimeSpan.FromSeconds(6), Pick: 0)
        {
            Began = TimeSpan.FromSeconds(began),
            Ended = TimeSpan.FromSeconds(ended),
        };

    private static void Write(History history, string key, int at, Ack ack) =>
        history.Writes.Enqueue(new AckedWrite(key, IsDelete: false, ack, -1, TimeSpan.FromSeconds(at)));

    private static void Checkpoint(History history, int fault, int at, params string[] keys) =>
        history.Checkpoints[fault] = new Checkpoint(TimeSpan.FromSeconds(at), new HashSet<string>(keys, StringComparer.Ordinal));

    private static RunResult NewResult() => new()
    {
        Kind = ServerKind.ReplCache,
        Seed = 0,
        Schedule = Faults,
        FullSyncs = [],
        MaxRssBytes = [],
    };
}
