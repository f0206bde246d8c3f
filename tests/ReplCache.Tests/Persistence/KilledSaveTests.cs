using System.Diagnostics;
using ReplCache.Persistence;

namespace ReplCache.Tests.Persistence;

/// <summary>A process killed (SIGKILL) at a random moment while it saves leaves a snapshot that loads, whole.</summary>
public sealed class KilledSaveTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("replcache-killed-save-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    [Trait("Category", "Long")]
    public async Task KillAtRandomMomentsDuringSaves_TheFileAlwaysLoads_AsOneOfTheSavedStates()
    {
        string file = Path.Combine(_dir, "dump.rcs");
        var random = new Random(11);
        for (int kill = 0; kill < 6; kill++)
        {
            using Process host = StartHost(file, keys: 20_000);
            var saved = new System.Collections.Concurrent.ConcurrentBag<string>();
            try
            {
                Task reader = Task.Run(async () =>
                {
                    while (await host.StandardOutput.ReadLineAsync() is { } line)
                    {
                        if (line.StartsWith("saved ", StringComparison.Ordinal))
                        {
                            saved.Add(line.Split(' ')[1]);
                        }
                    }
                });

                await Infrastructure.Poll.UntilAsync(() => !saved.IsEmpty || host.HasExited, "the host's first save", TimeSpan.FromSeconds(60));
                if (host.HasExited)
                {
                    // Read stderr only once the host is gone: on a live process the read would wait for it to end.
                    Assert.Fail("the host ended before its first save: " + await host.StandardError.ReadToEndAsync());
                }

                // The kill lands at a random moment of the saves that follow: in the middle of writing the temporary file,
                // flushing it, renaming it, or between saves.
                await Task.Delay(random.Next(1, 400));
                host.Kill(entireProcessTree: true); // SIGKILL: no finally blocks, no flush
                await host.WaitForExitAsync();
                await reader.WaitAsync(TimeSpan.FromSeconds(30));
            }
            finally
            {
                // A failed assertion must not leave the host saving forever.
                if (!host.HasExited)
                {
                    host.Kill(entireProcessTree: true);
                }
            }

            var store = new ReplCache.Storage.CacheStore(TimeProvider.System, null);
            SnapshotReader.Load(file, store);
            // Whichever save last completed its rename is what loads: one of the rounds printed, or the round after the
            // last one printed (killed between its rename and its line). Each round's content is known exactly.
            int lastPrinted = saved.Select(r => int.Parse(r, System.Globalization.CultureInfo.InvariantCulture)).Max();
            Assert.Contains(store.ComputeDigest(), DigestsOfRounds(20_000, lastPrinted + 1));
        }
    }

    /// <summary>The digest of the host's content after each round 0..<paramref name="lastRound"/>, as the host builds it.</summary>
    private static HashSet<string> DigestsOfRounds(int keys, int lastRound)
    {
        var digests = new HashSet<string>();
        var store = new ReplCache.Storage.CacheStore(TimeProvider.System, null);
        byte[] zeros = new byte[100];
        for (int i = 0; i < keys; i++)
        {
            store.Set($"k{i}", zeros, 0, 0, 0);
        }

        for (int round = 0; round <= lastRound; round++)
        {
            store.Set($"k{round % keys}", System.Text.Encoding.UTF8.GetBytes($"round {round}"), 0, 0, 0);
            digests.Add(store.ComputeDigest());
        }

        return digests;
    }

    private static Process StartHost(string file, int keys)
    {
        string host = Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "ReplCache.TestHost", "bin",
            new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name, "net10.0", "ReplCache.TestHost.dll");
        if (!File.Exists(host))
        {
            throw new FileNotFoundException("The test host was not built next to the tests.", host);
        }

        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string arg in new[] { Path.GetFullPath(host), "save-loop", file, keys.ToString(System.Globalization.CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(arg);
        }

        return Process.Start(start) ?? throw new InvalidOperationException("the test host did not start");
    }
}
