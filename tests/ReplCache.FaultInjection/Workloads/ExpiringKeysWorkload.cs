using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Sockets;
using ReplCache.FaultInjection.Group;

namespace ReplCache.FaultInjection.Workloads;

/// <summary>
/// Keys written with an 800 ms TTL, read on every node around and past their deadline: the deadline is set by the
/// primary between the write's send and its acknowledgement, so a read sent later than acknowledgement + TTL (+ a
/// small tolerance for the two clocks' reading) that still finds the key was served past its expiry.
/// </summary>
public sealed class ExpiringKeysWorkload(Cluster cluster, PrimaryLocator locator, History history)
{
    public static readonly TimeSpan Ttl = TimeSpan.FromMilliseconds(800);
    private readonly ConcurrentQueue<(string Key, TimeSpan AckedAt)> _written = new();

    public async Task RunAsync(CancellationToken cancellationToken) =>
        await Task.WhenAll(WriteAsync(cancellationToken), ReadAsync(cancellationToken)).ConfigureAwait(false);

    private async Task WriteAsync(CancellationToken cancellationToken)
    {
        await using var client = new PrimaryClient(locator);
        for (long n = 0; !cancellationToken.IsCancellationRequested && n < long.MaxValue; n++)
        {
            try
            {
                string key = $"t:{n.ToString(CultureInfo.InvariantCulture)}";
                if (await client.CallAsync(cancellationToken, "SET", key, "x", "PX", ((long)Ttl.TotalMilliseconds).ToString(CultureInfo.InvariantCulture)).ConfigureAwait(false) is "OK")
                {
                    _written.Enqueue((key, history.Now));
                }

                await Task.Delay(50, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task ReadAsync(CancellationToken cancellationToken)
    {
        var connections = new RespConnection?[cluster.Nodes.Length];
        var pending = new List<(string Key, TimeSpan AckedAt)>();
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                while (_written.TryDequeue(out var written))
                {
                    pending.Add(written);
                }

                // Each key is read on every node from just before its deadline until well past it, then dropped.
                pending.RemoveAll(p => history.Now - p.AckedAt > Ttl * 2);
                foreach ((string key, TimeSpan ackedAt) in pending.Where(p => history.Now - p.AckedAt > Ttl - TimeSpan.FromMilliseconds(100)).ToList())
                {
                    for (int node = 0; node < cluster.Nodes.Length; node++)
                    {
                        try
                        {
                            connections[node] ??= await RespConnection.ConnectAsync(cluster.ClientProxies[node].Port, TimeSpan.FromMilliseconds(500), cancellationToken).ConfigureAwait(false);
                            TimeSpan sent = history.Now;
                            object? reply = await connections[node]!.CallAsync(TimeSpan.FromMilliseconds(500), cancellationToken, "GET", key).ConfigureAwait(false);
                            history.ExpiryReads.Enqueue(new ExpiryRead(node, key, ackedAt, Ttl, sent, reply is string));
                        }
                        catch (Exception ex) when (ex is SocketException or IOException or TimeoutException or InvalidDataException)
                        {
                            if (connections[node] is { } broken)
                            {
                                await broken.DisposeAsync().ConfigureAwait(false);
                            }

                            connections[node] = null;
                        }
                    }
                }

                await Task.Delay(25, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            foreach (RespConnection? connection in connections)
            {
                if (connection is not null)
                {
                    await connection.DisposeAsync().ConfigureAwait(false);
                }
            }
        }
    }
}
