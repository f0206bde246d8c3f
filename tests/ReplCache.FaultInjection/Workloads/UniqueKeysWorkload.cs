using System.Globalization;

namespace ReplCache.FaultInjection.Workloads;

/// <summary>
/// A set-add: unique keys written once, some deleted later; each write acknowledged by +OK alone or followed by
/// WAIT 1 or WAIT 2. At the end an acknowledged key that is missing was lost, and a key whose deletion every
/// secondary acknowledged (WAIT 2) that is present again was resurrected.
/// </summary>
public sealed class UniqueKeysWorkload(PrimaryLocator locator, History history, int seed)
{
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var random = new Random(seed);
        await using var client = new PrimaryClient(locator);
        var written = new List<string>();
        for (long n = 0; !cancellationToken.IsCancellationRequested && n < long.MaxValue; n++)
        {
            try
            {
                bool delete = written.Count > 20 && random.Next(10) == 0;
                string key = delete ? written[random.Next(written.Count)] : $"u:{seed}:{n.ToString(CultureInfo.InvariantCulture)}";
                Ack wanted = random.Next(10) switch { < 6 => Ack.Plain, < 8 => Ack.Wait1, _ => Ack.Wait2 };
                object? reply = delete
                    ? await client.CallAsync(cancellationToken, "DEL", key).ConfigureAwait(false)
                    : await client.CallAsync(cancellationToken, "SET", key, n.ToString(CultureInfo.InvariantCulture)).ConfigureAwait(false);
                bool acknowledged = delete ? reply is long : reply is "OK";

                // When the server acknowledged it: a WAIT after it can take up to the call's timeout (a frozen
                // primary), and the write was at risk from its +OK on, not from the WAIT's end.
                TimeSpan acknowledgedAt = history.Now;
                int inForce = history.Nemesis;
                if (!acknowledged)
                {
                    Interlocked.Increment(ref history.WriteErrors);
                    if (delete)
                    {
                        history.UncertainDeletes[key] = 0;
                    }

                    continue;
                }

                Ack ack = Ack.Plain;
                if (wanted != Ack.Plain)
                {
                    int replicas = wanted == Ack.Wait1 ? 1 : 2;
                    if (await client.CallAsync(cancellationToken, "WAIT", replicas.ToString(CultureInfo.InvariantCulture), "200").ConfigureAwait(false) is long got)
                    {
                        ack = got >= 2 ? Ack.Wait2 : got >= 1 ? Ack.Wait1 : Ack.Plain;
                    }
                }

                history.Writes.Enqueue(new AckedWrite(key, delete, ack, inForce, acknowledgedAt));
                if (delete)
                {
                    written.Remove(key);
                }
                else
                {
                    written.Add(key);
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }

            await Task.Delay(2, CancellationToken.None).ConfigureAwait(false);
        }
    }
}
