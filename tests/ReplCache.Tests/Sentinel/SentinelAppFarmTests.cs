using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using ReplCache.Tests.EndToEnd;
using ReplCache.Tests.Infrastructure;

namespace ReplCache.Tests.Sentinel;

/// <summary>
/// An ASP.NET farm of three app processes, each embedding a node configured with the Sentinels only (no
/// PrimaryAddress) and forwarding its writes: the Sentinels' answer decides who is primary at start, the primary's
/// process killed is failed over automatically, forwarded writes continue against the new primary, and the killed
/// instance, restarted, rejoins as a secondary — never as a second primary.
/// </summary>
[Trait("Category", "Long")]
public sealed class SentinelAppFarmTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(5) };

    [RequiresRedisToolsFact("redis-server")]
    public async Task AFarmConfiguredWithSentinelsOnly_FailsOverWhenThePrimaryProcessDies_AndForwardedWritesContinue()
    {
        int[] nodePorts = [LocalPorts.Free(), LocalPorts.Free(), LocalPorts.Free()];
        int[] appPorts = [LocalPorts.Free(), LocalPorts.Free(), LocalPorts.Free()];
        var sentinels = new List<SentinelProcess>();
        var apps = new AppProcess?[3];
        try
        {
            // The Sentinels are told where the first primary is; every instance learns its role from them.
            for (int i = 0; i < 3; i++)
            {
                sentinels.Add(await SentinelProcess.StartAsync(nodePorts[0], SentinelGroup.MasterName, SentinelGroup.DownAfterMilliseconds, quorum: 2, SentinelGroup.FailoverTimeoutMilliseconds));
            }

            string endpoints = string.Join(',', sentinels.Select(s => $"127.0.0.1:{s.Port}"));
            for (int i = 0; i < 3; i++)
            {
                apps[i] = await AppProcess.StartAsync(nodePorts[i], appPorts[i], endpoints);
                Assert.Equal(i == 0 ? "Primary" : "Secondary", await RoleAsync(appPorts[i]));
            }

            foreach (SentinelProcess sentinel in sentinels)
            {
                await sentinel.WaitUntilAsync(async () => SentinelProcess.Fields(await sentinel.Client.CallAsync("SENTINEL", "master", SentinelGroup.MasterName))["num-slaves"] == "2",
                    "each Sentinel to find both secondaries", Timeout);
            }

            // A write through a secondary instance is forwarded to the primary and reaches the third instance.
            Assert.True(await PutAsync(appPorts[1], "before", "1"));
            await Poll.UntilAsync(async () => await GetAsync(appPorts[2], "before") == "1", "the forwarded write to reach every instance", Timeout);

            apps[0]!.KillHard();
            apps[0] = null;
            int promoted = -1;
            await Poll.UntilAsync(async () =>
            {
                object?[] address = Assert.IsType<object?[]>(await sentinels[0].Client.CallAsync("SENTINEL", "get-master-addr-by-name", SentinelGroup.MasterName));
                promoted = Array.IndexOf(nodePorts, int.Parse(Assert.IsType<string>(address[1]), CultureInfo.InvariantCulture));
                return promoted > 0;
            }, "the Sentinels to promote one of the secondaries", Timeout);
            int other = 3 - promoted;
            await Poll.UntilAsync(async () => await RoleAsync(appPorts[promoted]) == "Primary", "the promoted instance to be primary", Timeout);

            // The other instance's forwarded writes follow it to the new primary once Sentinel re-points it.
            await Poll.UntilAsync(() => PutAsync(appPorts[other], "after", "2"), "a forwarded write to succeed against the new primary", Timeout);
            await Poll.UntilAsync(async () => await GetAsync(appPorts[promoted], "after") == "2", "the write to be on the new primary", Timeout);
            Assert.Equal("1", await GetAsync(appPorts[promoted], "before"));

            // The killed instance restarts knowing only the Sentinels: it comes back as a secondary at once.
            apps[0] = await AppProcess.StartAsync(nodePorts[0], appPorts[0], endpoints);
            Assert.Equal("Secondary", await RoleAsync(appPorts[0]));
            await Poll.UntilAsync(async () => await GetAsync(appPorts[0], "after") == "2", "the restarted instance to sync from the new primary", Timeout);
            Assert.True(await PutAsync(appPorts[0], "from-restarted", "3"));
            await Poll.UntilAsync(async () => await GetAsync(appPorts[other], "from-restarted") == "3", "its forwarded write to reach the farm", Timeout);
        }
        catch (Exception ex) when (ex is TimeoutException or Xunit.Sdk.XunitException)
        {
            throw new InvalidOperationException(ex.Message + "\n" + string.Join("\n", apps.Select((a, i) => $"--- app {i}:\n{a?.Output}"))
                + string.Join("\n", sentinels.Select((s, i) => $"--- sentinel {i}:\n{s.Log}")), ex);
        }
        finally
        {
            foreach (AppProcess? app in apps)
            {
                app?.Dispose();
            }

            foreach (SentinelProcess sentinel in sentinels)
            {
                await sentinel.DisposeAsync();
            }
        }
    }

    private static async Task<string> RoleAsync(int appPort) => await Http.GetStringAsync($"http://127.0.0.1:{appPort}/role");

    private static async Task<bool> PutAsync(int appPort, string key, string value)
    {
        try
        {
            using HttpResponseMessage response = await Http.PutAsync($"http://127.0.0.1:{appPort}/kv/{key}", new StringContent(value));
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    private static async Task<string?> GetAsync(int appPort, string key)
    {
        using HttpResponseMessage response = await Http.GetAsync($"http://127.0.0.1:{appPort}/kv/{key}");
        return response.IsSuccessStatusCode ? await response.Content.ReadAsStringAsync() : null;
    }


    /// <summary>One app instance: the test host's <c>sentinel-app</c> mode, its output kept for a failure's message.</summary>
    private sealed class AppProcess : IDisposable
    {
        private readonly Process _process;
        private readonly ConcurrentQueue<string> _output = new();

        private AppProcess(Process process)
        {
            _process = process;
            process.OutputDataReceived += (_, e) => { if (e.Data is not null) { _output.Enqueue(e.Data); } };
            process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { _output.Enqueue(e.Data); } };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
        }

        public string Output => string.Join('\n', _output);

        public static async Task<AppProcess> StartAsync(int nodePort, int appPort, string sentinels)
        {
            string host = Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "ReplCache.TestHost", "bin",
                new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name, "net10.0", "ReplCache.TestHost.dll");
            var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (string arg in new[] { Path.GetFullPath(host), "sentinel-app", nodePort.ToString(CultureInfo.InvariantCulture), appPort.ToString(CultureInfo.InvariantCulture), sentinels, SentinelGroup.MasterName })
            {
                start.ArgumentList.Add(arg);
            }

            var app = new AppProcess(Process.Start(start) ?? throw new InvalidOperationException("the test host did not start"));
            try
            {
                await Poll.UntilAsync(() => app._output.Contains("ready") || app._process.HasExited, "the app instance to start", Timeout);
                if (app._process.HasExited)
                {
                    throw new InvalidOperationException($"the app instance exited ({app._process.ExitCode}):\n{app.Output}");
                }

                return app;
            }
            catch
            {
                app.Dispose();
                throw;
            }
        }

        public void KillHard() => _process.Kill(entireProcessTree: true);

        public void Dispose()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }

            _process.Dispose();
        }
    }
}
