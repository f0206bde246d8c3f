using System.Text;
using ReplCache.Tests.Infrastructure;

namespace ReplCache.Tests.Resp;

/// <summary>
/// SUBSCRIBE, PSUBSCRIBE, UNSUBSCRIBE, PUNSUBSCRIBE and PUBLISH, byte for byte as Redis 7 answers in RESP2 (a
/// malformed pub/sub reply aborts every Sentinel watching the node), and the subscribed context's rules.
/// </summary>
public sealed class PubSubTests
{
    [Fact]
    public async Task Subscribe_ConfirmsEachChannel_WithTheCountOfSubscriptions()
    {
        await using ReplicatedCacheNode node = await RespNodes.StartPrimaryAsync();
        await using RespTestClient client = await RespTestClient.ConnectAsync(node);
        string hello = "*3\r\n$9\r\nsubscribe\r\n$18\r\n__sentinel__:hello\r\n:1\r\n";
        Assert.Equal(hello, await client.CallRawAsync(hello, "SUBSCRIBE", "__sentinel__:hello"));

        // Two more, one of them again: the count does not grow for a channel already subscribed to.
        string two = "*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:2\r\n*3\r\n$9\r\nsubscribe\r\n$18\r\n__sentinel__:hello\r\n:2\r\n";
        Assert.Equal(two, await client.CallRawAsync(two, "SUBSCRIBE", "a", "__sentinel__:hello"));
        string pattern = "*3\r\n$10\r\npsubscribe\r\n$3\r\nb.*\r\n:3\r\n";
        Assert.Equal(pattern, await client.CallRawAsync(pattern, "PSUBSCRIBE", "b.*"));
    }

    [Fact]
    public async Task Publish_DeliversRedisMessageFrames_AndCountsEveryDelivery()
    {
        await using ReplicatedCacheNode node = await RespNodes.StartPrimaryAsync();
        await using RespTestClient channel = await RespTestClient.ConnectAsync(node);
        await using RespTestClient both = await RespTestClient.ConnectAsync(node);
        await using RespTestClient publisher = await RespTestClient.ConnectAsync(node);
        await channel.CallAsync("SUBSCRIBE", "news.tech");
        await both.CallAsync("SUBSCRIBE", "news.tech");
        await both.CallAsync("PSUBSCRIBE", "news.*");

        Assert.Equal(3L, await publisher.CallAsync("PUBLISH", "news.tech", "hi"));
        Assert.Equal(0L, await publisher.CallAsync("PUBLISH", "sport", "hi"));

        string message = "*3\r\n$7\r\nmessage\r\n$9\r\nnews.tech\r\n$2\r\nhi\r\n";
        string patternMessage = "*4\r\n$8\r\npmessage\r\n$6\r\nnews.*\r\n$9\r\nnews.tech\r\n$2\r\nhi\r\n";
        Assert.Equal(message, await channel.ReadRawLikeAsync(message));
        Assert.Equal(message + patternMessage, await both.ReadRawLikeAsync(message + patternMessage));
    }

    [Fact]
    public async Task ChannelsAndMessages_AreBinarySafe()
    {
        await using ReplicatedCacheNode node = await RespNodes.StartPrimaryAsync();
        await using RespTestClient subscriber = await RespTestClient.ConnectAsync(node);
        await using RespTestClient publisher = await RespTestClient.ConnectAsync(node);
        byte[] name = [0, 1, 0xff, (byte)'\r', (byte)'\n', 0xc3];
        byte[] payload = [.. Enumerable.Range(0, 256).Select(b => (byte)b)];
        await subscriber.SendAsync(RespTestClient.EncodeBytes("SUBSCRIBE"u8.ToArray(), name));
        string latin1Name = Encoding.Latin1.GetString(name);
        string confirmation = $"*3\r\n$9\r\nsubscribe\r\n$6\r\n{latin1Name}\r\n:1\r\n";
        Assert.Equal(confirmation, await subscriber.ReadRawLikeAsync(confirmation));

        Assert.Equal(1L, await publisher.CallBytesAsync("PUBLISH"u8.ToArray(), name, payload));
        string message = $"*3\r\n$7\r\nmessage\r\n$6\r\n{latin1Name}\r\n$256\r\n{Encoding.Latin1.GetString(payload)}\r\n";
        Assert.Equal(message, await subscriber.ReadRawLikeAsync(message));
    }

    [Fact]
    public async Task SubscribedContext_AllowsOnlyRedissCommands_AndPingIsAPongArray()
    {
        await using ReplicatedCacheNode node = await RespNodes.StartPrimaryAsync();
        await using RespTestClient client = await RespTestClient.ConnectAsync(node);
        await client.CallAsync("SUBSCRIBE", "a");
        const string Only = "': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context";
        Assert.Equal(new RespError("ERR Can't execute 'get" + Only), await client.CallAsync("GET", "k"));
        Assert.Equal(new RespError("ERR Can't execute 'client|setname" + Only), await client.CallAsync("CLIENT", "SETNAME", "x"));
        Assert.Equal(new RespError("ERR Can't execute 'publish" + Only), await client.CallAsync("PUBLISH", "a", "m"));
        Assert.Equal(new RespError("ERR Can't execute 'multi" + Only), await client.CallAsync("MULTI"));

        Assert.Equal("*2\r\n$4\r\npong\r\n$0\r\n\r\n", await client.CallRawAsync("*2\r\n$4\r\npong\r\n$0\r\n\r\n", "PING"));
        Assert.Equal("*2\r\n$4\r\npong\r\n$3\r\nabc\r\n", await client.CallRawAsync("*2\r\n$4\r\npong\r\n$3\r\nabc\r\n", "PING", "abc"));

        // RESET leaves the context, and everything else a connection holds.
        Assert.Equal("+RESET\r\n", await client.CallRawAsync("+RESET\r\n", "RESET"));
        Assert.Equal("+PONG\r\n", await client.CallRawAsync("+PONG\r\n", "PING"));
        Assert.Null(await client.CallAsync("GET", "k"));
    }

    [Fact]
    public async Task Quit_WhileSubscribed_ClosesTheConnection()
    {
        await using ReplicatedCacheNode node = await RespNodes.StartPrimaryAsync();
        await using RespTestClient client = await RespTestClient.ConnectAsync(node);
        await client.CallAsync("PSUBSCRIBE", "*");
        Assert.Equal("+OK\r\n", await client.CallRawAsync("+OK\r\n", "QUIT"));
        Assert.True(await client.IsClosedAsync());
    }

    [Fact]
    public async Task Unsubscribe_ConfirmsEachChannel_OrANilOneWhenThereIsNone_ThenLeavesTheContext()
    {
        await using ReplicatedCacheNode node = await RespNodes.StartPrimaryAsync();
        await using RespTestClient client = await RespTestClient.ConnectAsync(node);
        string none = "*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:0\r\n";
        Assert.Equal(none, await client.CallRawAsync(none, "UNSUBSCRIBE"));
        string noPattern = "*3\r\n$12\r\npunsubscribe\r\n$-1\r\n:0\r\n";
        Assert.Equal(noPattern, await client.CallRawAsync(noPattern, "PUNSUBSCRIBE"));

        await client.CallAsync("SUBSCRIBE", "a", "b");
        await client.ReadAsync();
        await client.CallAsync("PSUBSCRIBE", "p*");
        // Named: confirmed whether subscribed or not; the count is what remains.
        string named = "*3\r\n$11\r\nunsubscribe\r\n$1\r\nz\r\n:3\r\n";
        Assert.Equal(named, await client.CallRawAsync(named, "UNSUBSCRIBE", "z"));
        // All channels, in subscription order; the pattern still counts.
        string all = "*3\r\n$11\r\nunsubscribe\r\n$1\r\na\r\n:2\r\n*3\r\n$11\r\nunsubscribe\r\n$1\r\nb\r\n:1\r\n";
        Assert.Equal(all, await client.CallRawAsync(all, "UNSUBSCRIBE"));
        string nilWithPattern = "*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:1\r\n";
        Assert.Equal(nilWithPattern, await client.CallRawAsync(nilWithPattern, "UNSUBSCRIBE"));
        Assert.StartsWith("ERR Can't execute 'get'", Assert.IsType<RespError>(await client.CallAsync("GET", "k")).Message);

        string lastPattern = "*3\r\n$12\r\npunsubscribe\r\n$2\r\np*\r\n:0\r\n";
        Assert.Equal(lastPattern, await client.CallRawAsync(lastPattern, "PUNSUBSCRIBE"));
        Assert.Null(await client.CallAsync("GET", "k")); // out of the subscribed context
    }

    [Fact]
    public async Task Publish_OnASecondary_IsNoWrite_AndReachesOnlyThatNodesSubscribers()
    {
        await using ReplicatedCacheNode primary = await RespNodes.StartPrimaryAsync();
        await using ReplicatedCacheNode secondary = await RespNodes.StartSecondaryAsync(primary.Address);
        await Nodes.WaitInSyncAsync(primary, secondary);
        await using RespTestClient onSecondary = await RespTestClient.ConnectAsync(secondary);
        await using RespTestClient onPrimary = await RespTestClient.ConnectAsync(primary);
        await using RespTestClient publisher = await RespTestClient.ConnectAsync(secondary);
        await onSecondary.CallAsync("SUBSCRIBE", "__sentinel__:hello");
        await onPrimary.CallAsync("SUBSCRIBE", "__sentinel__:hello");

        Assert.Equal(new RespError("READONLY You can't write against a read only replica."), await publisher.CallAsync("SET", "k", "v"));
        Assert.Equal(1L, await publisher.CallAsync("PUBLISH", "__sentinel__:hello", "127.0.0.1,26379,x,0,mymaster,127.0.0.1,6379,0"));
        Assert.Equal(
            new object?[] { "message", "__sentinel__:hello", "127.0.0.1,26379,x,0,mymaster,127.0.0.1,6379,0" },
            await onSecondary.ReadAsync());
        Assert.Equal(new object?[] { "pong", "" }, await onPrimary.CallAsync("PING")); // nothing arrived before the pong
    }

    [Fact]
    public async Task ASubscriberThatStopsReading_IsDisconnected_RatherThanGrowingTheNodesMemory()
    {
        await using ReplicatedCacheNode node = await RespNodes.StartPrimaryAsync();
        await using RespTestClient stalled = await RespTestClient.ConnectAsync(node);
        await using RespTestClient publisher = await RespTestClient.ConnectAsync(node);
        await stalled.CallAsync("SUBSCRIBE", "firehose");
        string payload = new('x', 256 * 1024);

        // 32 MB waiting in its outbox is Redis's hard limit; sockets and pipes hold a few MB more before it fills.
        for (int i = 0; i < 512 && Assert.IsType<long>(await publisher.CallAsync("PUBLISH", "firehose", payload)) == 1; i++)
        {
        }

        await Poll.UntilAsync(() => node.Core.Resp!.PubSub.ChannelCount == 0, "the stalled subscriber to be disconnected");
        Assert.Equal(0L, await publisher.CallAsync("PUBLISH", "firehose", "after"));
        Assert.Equal("PONG", await publisher.CallAsync("PING"));
    }

    [Fact]
    public async Task ThePubSubLinkOfSentinel_SplitAtEveryByte_GetsExactReplies_AndHearsHellos()
    {
        await using ReplicatedCacheNode node = await RespNodes.StartPrimaryAsync();
        await using RespTestClient pubsub = await RespTestClient.ConnectAsync(node);
        await using RespTestClient command = await RespTestClient.ConnectAsync(node);
        var handshake = new MemoryStream();
        handshake.Write(RespTestClient.Encode("CLIENT", "SETNAME", "sentinel-2958c239-pubsub"));
        handshake.Write(RespTestClient.Encode("SUBSCRIBE", "__sentinel__:hello"));
        await pubsub.SendByteByByteAsync(handshake.ToArray());
        string replies = "+OK\r\n*3\r\n$9\r\nsubscribe\r\n$18\r\n__sentinel__:hello\r\n:1\r\n";
        Assert.Equal(replies, await pubsub.ReadRawLikeAsync(replies));

        string hello = "127.0.0.1,26390,2958c239aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa,1,mymaster,127.0.0.1,16380,1";
        var commands = new MemoryStream();
        commands.Write(RespTestClient.Encode("CLIENT", "SETNAME", "sentinel-2958c239-cmd"));
        commands.Write(RespTestClient.Encode("PING"));
        commands.Write(RespTestClient.Encode("PUBLISH", "__sentinel__:hello", hello));
        await command.SendByteByByteAsync(commands.ToArray());
        Assert.Equal("+OK\r\n+PONG\r\n:1\r\n", await command.ReadRawLikeAsync("+OK\r\n+PONG\r\n:1\r\n"));
        string message = $"*3\r\n$7\r\nmessage\r\n$18\r\n__sentinel__:hello\r\n${hello.Length}\r\n{hello}\r\n";
        Assert.Equal(message, await pubsub.ReadRawLikeAsync(message));
    }

    [Fact]
    public async Task ManyPublishers_EachSubscriberGetsEveryMessageWhole_InEachPublishersOrder()
    {
        await using ReplicatedCacheNode node = await RespNodes.StartPrimaryAsync();
        await using RespTestClient subscriber = await RespTestClient.ConnectAsync(node);
        await subscriber.CallAsync("SUBSCRIBE", "c");
        const int Publishers = 4, Messages = 200;
        await Task.WhenAll(Enumerable.Range(0, Publishers).Select(async p =>
        {
            await using RespTestClient publisher = await RespTestClient.ConnectAsync(node);
            var batch = new MemoryStream();
            for (int i = 0; i < Messages; i++)
            {
                batch.Write(RespTestClient.Encode("PUBLISH", "c", $"{p}:{i}"));
            }

            await publisher.SendAsync(batch.ToArray());
            for (int i = 0; i < Messages; i++)
            {
                Assert.Equal(1L, await publisher.ReadAsync());
            }
        }));

        int[] next = new int[Publishers];
        for (int n = 0; n < Publishers * Messages; n++)
        {
            object?[] message = Assert.IsType<object?[]>(await subscriber.ReadAsync());
            Assert.Equal("message", message[0]);
            string[] parts = Assert.IsType<string>(message[2]).Split(':');
            int p = int.Parse(parts[0]);
            Assert.Equal(next[p]++, int.Parse(parts[1]));
        }
    }

    [Fact]
    public async Task NoMessage_EverFollowsTheConfirmationThatEndsTheSubscribedContext()
    {
        await using ReplicatedCacheNode node = await RespNodes.StartPrimaryAsync();
        await using RespTestClient subscriber = await RespTestClient.ConnectAsync(node);
        using var stop = new CancellationTokenSource();
        byte[] batch = [.. Enumerable.Range(0, 50).SelectMany(_ => RespTestClient.Encode("PUBLISH", "c", "m"))];
        Task[] floods = [.. Enumerable.Range(0, 2).Select(_ => Task.Run(async () =>
        {
            await using RespTestClient publisher = await RespTestClient.ConnectAsync(node);
            while (!stop.IsCancellationRequested)
            {
                await publisher.SendAsync(batch);
                for (int i = 0; i < 50; i++)
                {
                    await publisher.ReadAsync();
                }
            }
        }))];

        for (int round = 0; round < 30; round++)
        {
            await subscriber.SendAsync(RespTestClient.Encode("SUBSCRIBE", "c"));
            Assert.Equal(new object?[] { "subscribe", "c", 1L }, await subscriber.ReadAsync());
            Assert.Equal(new object?[] { "message", "c", "m" }, await subscriber.ReadAsync()); // messages are flowing

            // Leave while they flow: whatever was published before counts as before the confirmation.
            await subscriber.SendAsync([.. RespTestClient.Encode("UNSUBSCRIBE"), .. RespTestClient.Encode("PING")]);
            object? reply;
            while ((reply = await subscriber.ReadAsync()) is object?[] { Length: 3 } push && push[0] is "message")
            {
            }

            // Out of the context: the next reply is PING's own, never a late message.
            Assert.Equal(new object?[] { "unsubscribe", "c", 0L }, reply);
            Assert.Equal("+PONG\r\n", await subscriber.ReadRawLikeAsync("+PONG\r\n"));
        }

        await stop.CancelAsync();
        await Task.WhenAll(floods);
    }
}
