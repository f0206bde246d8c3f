using System.Globalization;
using System.Net.Sockets;
using ReplCache.FaultInjection.Group;

namespace ReplCache.FaultInjection.Workloads;

/// <summary>
/// Versioned overwrites of a few hot keys by one writer (each key's versions only grow), read back on every node
/// through its client proxy: a node that returns an older version than it returned before, with no full resync that
/// replaced its data in between, went back in time.
/// </summary>
public sealed class HotKeysWorkload(Cluster cluster, PrimaryLocator locator, History history)
{
    public const int Keys = 5;

    public async Task RunAsync(CancellationToken cancellationToken) =>
        await Task.WhenAll(WriteAsync(cancellationToken), ReadAsync(cancellationToken)).ConfigureAwait(false);

    private async Task WriteAsync(CancellationToken cancellationToken)
    {
        await using var client = new PrimaryClient(locator);
        for (long version = 1; !cancellationToken.IsCancellationRequested && version < long.MaxValue; version++)
        {
            try
            {
                if (await client.CallAsync(cancellationToken, "SET", $"h:{version % Keys}", version.ToString(CultureInfo.InvariantCulture)).ConfigureAwait(false) is not "OK")
                {
                    Interlocked.Increment(ref history.WriteErrors);
                }

                await Task.Delay(5, cancellationToken).ConfigureAwait(false);
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
        try
        {
            for (long round = 0; !cancellationToken.IsCancellationRequested && round < long.MaxValue; round++)
            {
                int node = (int)(round % cluster.Nodes.Length);
                string key = $"h:{round / cluster.Nodes.Length % Keys}";
                try
                {
                    connections[node] ??= await RespConnection.ConnectAsync(cluster.ClientProxies[node].Port, TimeSpan.FromMilliseconds(500), cancellationToken).ConfigureAwait(false);
                    TimeSpan at = history.Now;
                    if (await connections[node]!.CallAsync(TimeSpan.FromMilliseconds(500), cancellationToken, "GET", key).ConfigureAwait(false) is string value)
                    {
                        history.VersionReads.Enqueue(new VersionRead(node, key, long.Parse(value, CultureInfo.InvariantCulture), at));
                    }
                }
                catch (Exception ex) when (ex is SocketException or IOException or TimeoutException or InvalidDataException)
                {
                    if (connections[node] is { } broken)
                    {
                        await broken.DisposeAsync().ConfigureAwait(false);
                    }

                    connections[node] = null;
                }

                await Task.Delay(5, cancellationToken).ConfigureAwait(false);
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
