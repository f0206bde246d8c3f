using ReplCache.FaultInjection.Checking;
using ReplCache.FaultInjection.Group;
using ReplCache.FaultInjection.Nemeses;
using ReplCache.FaultInjection.Workloads;

namespace ReplCache.FaultInjection;

/// <summary>
/// One run: a fresh group of the given kind under three Sentinels, the workloads writing and reading for the whole
/// schedule, the schedule's faults one at a time, then every fault healed, the writes stopped, the group converged,
/// and the checkers run on what it holds and what the workloads saw.
/// </summary>
public static class FaultRunner
{
    /// <summary>1 MB: small enough that a secondary cut off under the backlog filler must full-resync.</summary>
    public const long BacklogBytes = 1024 * 1024;

    /// <param name="keep">Leave the group's directory (node logs, Sentinel logs, lost.txt) in place and say where.</param>
    public static async Task<RunResult> RunAsync(ServerKind kind, int seed, TimeSpan duration, Action<string> log, CancellationToken cancellationToken, bool keep = false)
    {
        string dir = Directory.CreateTempSubdirectory($"replcache-faults-{kind.ToString().ToLowerInvariant()}-").FullName;
        List<ScheduledFault> schedule = Schedule.Create(seed, duration);
        try
        {
            await using Cluster cluster = await Cluster.StartAsync(kind, dir, nodeCount: 3, BacklogBytes, cancellationToken).ConfigureAwait(false);
            log($"{kind}: group up (nodes on {string.Join(", ", cluster.Nodes.Select(n => n.Port))}); {schedule.Count} faults, seed {seed}");
            var history = new History();
            var monitor = new Checking.Monitor(cluster, history);
            var locator = new PrimaryLocator(cluster);
            await locator.RefreshAsync(cancellationToken).ConfigureAwait(false);

            using var writing = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            using var monitoring = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            Task watched = monitor.RunAsync(monitoring.Token);
            Task[] workloads =
            [
                new UniqueKeysWorkload(locator, history, seed).RunAsync(writing.Token),
                new HotKeysWorkload(cluster, locator, history).RunAsync(writing.Token),
                new ExpiringKeysWorkload(cluster, locator, history).RunAsync(writing.Token),
            ];

            await new NemesisRunner(cluster, history, monitor, log).RunAsync(schedule, cancellationToken).ConfigureAwait(false);
            await writing.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(workloads).ConfigureAwait(false);
            cluster.HealAll();
            int primary;
            try
            {
                primary = await cluster.WaitConvergedAsync(TimeSpan.FromSeconds(120), cancellationToken).ConfigureAwait(false);
                // The last expiring keys run out and their removals replicate: the nodes are compared when nothing moves.
                await Task.Delay(ExpiringKeysWorkload.Ttl * 2, cancellationToken).ConfigureAwait(false);
                primary = await cluster.WaitConvergedAsync(TimeSpan.FromSeconds(60), cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                log(string.Join("\n", cluster.Nodes.Select(n => $"--- node {n.Index}:\n{n.Log}")) + "\n" + cluster.Sentinels.Logs);
                throw;
            }

            await monitor.SampleAsync(cancellationToken).ConfigureAwait(false);
            await monitoring.CancelAsync().ConfigureAwait(false);
            await watched.ConfigureAwait(false);
            RunResult result = await Checker.CheckAsync(cluster, primary, history, monitor, schedule, seed, cancellationToken).ConfigureAwait(false);
            log($"{kind}: {result.TotalAcknowledged} writes acknowledged, {result.TotalLost} lost, {result.TimeTravels} time travels, {result.ReadsPastExpiry} reads past expiry, digests {(result.DigestsEqual ? "equal" : "DIFFER")}, full syncs {string.Join("/", result.FullSyncs)}, crashes {result.Crashes}");
            IEnumerable<string> timing = result.LostPlainByTiming.GroupBy(t => t.Key.Fault).OrderBy(g => g.Key)
                .Select(g => $"lost +OK writes of {g.Key}, acknowledged: " + string.Join(", ", g.OrderBy(t => t.Key.When).Select(t => $"{t.Key.When} {t.Value}")));
            foreach (string line in result.LostWithWait.Select(l => "lost after WAIT: " + l).Concat(timing).Concat(result.FullSyncBursts).Concat(result.Divergence).Concat(result.CrashReports))
            {
                log(line);
            }

            if (keep)
            {
                await File.WriteAllLinesAsync(Path.Combine(dir, "lost.txt"), result.LostWrites, cancellationToken).ConfigureAwait(false);
            }

            if (result.Divergence.Count > 0)
            {
                log(string.Join("\n", cluster.Nodes.Select(n => $"--- node {n.Index}:\n{n.Log}")));
            }

            return result;
        }
        finally
        {
            if (keep)
            {
                log($"{kind}: the group's directory is kept at {dir}");
            }
            else
            {
                try
                {
                    Directory.Delete(dir, recursive: true);
                }
                catch (IOException)
                {
                }
            }
        }
    }
}
