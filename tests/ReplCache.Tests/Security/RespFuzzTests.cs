using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using ReplCache.Tests.Infrastructure;
using ReplCache.Tests.Resp;

namespace ReplCache.Tests.Security;

/// <summary>
/// Seeded fuzzing of the Redis-protocol endpoint over TCP: random bytes and mutated commands (bit flips, truncation,
/// duplicated and inserted bytes, absurd length headers). Unauthenticated clients fuzz a primary that requires a
/// token; authenticated ones fuzz its read-only secondary, where any write is refused, so the data must not move.
/// After every batch both nodes answer a well-behaved client correctly and their digests are unchanged.
/// </summary>
[Collection(HeavyCollection.Name)]
public class RespFuzzTests
{
    private const string Token = "fuzz-token";
    private const int Batches = 10;
    private const int ConnectionsPerBatch = 100;

    /// <summary>Few per connection: a protocol error closes the connection (as in Redis), and the cases after it are never read.</summary>
    private const int CasesPerConnection = 4;

    private static readonly string[][] Corpus =
    [
        ["PING"], ["ECHO", "hello"], ["GET", "k1"], ["MGET", "k1", "k2", "nope"], ["EXISTS", "k1", "k2"], ["TTL", "k3"], ["PTTL", "k3"],
        ["KEYS", "k*"], ["SCAN", "0", "MATCH", "k*", "COUNT", "5"], ["DBSIZE"], ["INFO", "replication"], ["TYPE", "k1"], ["STRLEN", "k1"],
        ["SET", "k1", "changed"], ["SET", "k9", "v", "EX", "10", "NX"], ["SETEX", "k1", "10", "x"], ["MSET", "a", "1", "b", "2"], ["DEL", "k1"],
        ["EXPIRE", "k2", "5"], ["PERSIST", "k3"], ["CLIENT", "SETNAME", "fuzzer"], ["CLIENT", "ID"], ["HELLO", "2"], ["AUTH", "wrong"],
        ["SELECT", "0"], ["COMMAND", "COUNT"], ["WAIT", "0", "1"], ["ROLE"], ["TIME"], ["LASTSAVE"],
    ];

    [Fact]
    public async Task RandomAndMutatedInput_LeavesBothNodesAliveAndUnchanged()
    {
        await using ReplicatedCacheNode primary = await RespNodes.StartPrimaryAsync(o => o.AuthToken = Token);
        for (int i = 0; i < 20; i++)
        {
            primary.Cache.Set($"k{i}", Encoding.UTF8.GetBytes($"value-{i}"), new() { AbsoluteExpirationRelativeToNow = i % 3 == 0 ? TimeSpan.FromHours(1) : null });
        }

        await using ReplicatedCacheNode secondary = await RespNodes.StartSecondaryAsync(primary.Address, o => o.AuthToken = Token);
        await Nodes.WaitInSyncAsync(primary, secondary);
        string digest = primary.Cache.GetDigest();
        var random = new Random(777);
        var clock = Stopwatch.StartNew();
        int cases = 0;

        for (int batch = 0; batch < Batches; batch++)
        {
            for (int c = 0; c < ConnectionsPerBatch; c++)
            {
                bool authenticated = random.Next(2) == 0;
                IPEndPoint target = authenticated ? secondary.RespEndPoint! : primary.RespEndPoint!;
                var input = new List<byte>();
                if (authenticated)
                {
                    input.AddRange(RespTestClient.Encode("AUTH", Token));
                }

                for (int i = 0; i < CasesPerConnection; i++, cases++)
                {
                    input.AddRange(NextCase(random));
                }

                await SendAndDrainAsync(target, [.. input], $"batch {batch} connection {c}");
            }

            foreach (ReplicatedCacheNode node in new[] { primary, secondary })
            {
                await using RespTestClient client = await RespTestClient.ConnectAsync(node);
                Assert.Equal("OK", await client.CallAsync("AUTH", Token));
                Assert.Equal("PONG", await client.CallAsync("PING"));
                Assert.Equal("value-4", await client.CallAsync("GET", "k4"));
                Assert.Equal(20L, await client.CallAsync("DBSIZE"));
                Assert.Equal(digest, node.Cache.GetDigest());
            }

            Assert.Equal(PrimaryLinkStatus.Up, secondary.Replication.GetInfo().LinkStatus);
        }

        Assert.True(clock.Elapsed < TimeSpan.FromMinutes(2), $"{cases} cases took {clock.Elapsed}");

        // The fuzz reached the commands, not only the parser: thousands ran (answered NOAUTH, READONLY or served).
        long commands = primary.Resp!.TotalCommands + secondary.Resp!.TotalCommands;
        Assert.True(commands > 1500, $"only {commands} commands ran in {cases} cases");
    }

    private static byte[] NextCase(Random random)
    {
        switch (random.Next(5))
        {
            case 0:
                byte[] noise = new byte[random.Next(1, 200)];
                random.NextBytes(noise);
                return noise;
            case 1:
                // A header promising more than will ever come, or more than any limit allows.
                string[] headers = ["*2147483647\r\n", "*-5\r\n", "*3\r\n$-1\r\n", "*1\r\n$9999999999\r\n", "*1\r\n$600000000\r\n", "$5\r\n", "*1\r\n$3\r\nGE"];
                return Encoding.ASCII.GetBytes(headers[random.Next(headers.Length)]);
            case 2:
                return Encoding.ASCII.GetBytes(string.Join(' ', Corpus[random.Next(Corpus.Length)]) + (random.Next(2) == 0 ? "\r\n" : "\n"));
            default:
                byte[] frame = RespTestClient.Encode(Corpus[random.Next(Corpus.Length)]);
                return Mutate(frame, random);
        }
    }

    private static byte[] Mutate(byte[] frame, Random random)
    {
        var bytes = new List<byte>(frame);
        for (int m = random.Next(0, 4); m > 0 && bytes.Count > 0; m--)
        {
            int at = random.Next(bytes.Count);
            switch (random.Next(5))
            {
                case 0:
                    bytes[at] ^= (byte)(1 << random.Next(8));
                    break;
                case 1:
                    bytes.RemoveRange(at, bytes.Count - at); // truncated
                    break;
                case 2:
                    const string framing = "0123456789*$\r\n-";
                    bytes.Insert(at, (byte)framing[random.Next(framing.Length)]);
                    break;
                case 3:
                    bytes.RemoveAt(at);
                    break;
                default:
                    bytes.InsertRange(at, bytes.GetRange(at, Math.Min(8, bytes.Count - at))); // duplicated
                    break;
            }
        }

        return [.. bytes];
    }

    /// <summary>Sends everything, half-closes, and reads until the node closes: a node that hangs fails the test.</summary>
    private static async Task SendAndDrainAsync(IPEndPoint target, byte[] input, string what)
    {
        using var tcp = new TcpClient { NoDelay = true };
        await tcp.ConnectAsync(target);
        using NetworkStream stream = tcp.GetStream();
        using var hang = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        Task drain = DrainAsync(stream, hang.Token);
        try
        {
            await stream.WriteAsync(input, hang.Token);
            tcp.Client.Shutdown(SocketShutdown.Send);
        }
        catch (IOException)
        {
            // The node closed the connection on a protocol error before reading everything: fine.
        }

        await drain;
        Assert.False(hang.IsCancellationRequested, $"{what}: the node did not close the connection within 15 s of the input ending");
    }

    private static async Task DrainAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        byte[] buffer = new byte[64 * 1024];
        try
        {
            while (await stream.ReadAsync(buffer, cancellationToken) > 0)
            {
            }
        }
        catch (IOException)
        {
        }
        catch (OperationCanceledException)
        {
        }
    }
}
