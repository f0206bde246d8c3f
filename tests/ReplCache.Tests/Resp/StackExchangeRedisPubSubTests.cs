using StackExchange.Redis;

namespace ReplCache.Tests.Resp;

/// <summary>StackExchange.Redis's pub/sub and transactions against an embedded node's RESP endpoint.</summary>
public sealed class StackExchangeRedisPubSubTests
{
    [Fact]
    public async Task SubscribePublish_AndATransaction_WorkThroughStackExchangeRedis()
    {
        await using ReplicatedCacheNode node = await RespNodes.StartPrimaryAsync();
        await using ConnectionMultiplexer redis = await ConnectionMultiplexer.ConnectAsync(
            $"127.0.0.1:{node.RespEndPoint!.Port},abortConnect=false,connectTimeout=10000");
        ISubscriber subscriber = redis.GetSubscriber();
        var received = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var patternReceived = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        await subscriber.SubscribeAsync(RedisChannel.Literal("news"), (_, message) => received.TrySetResult(message!));
        await subscriber.SubscribeAsync(RedisChannel.Pattern("n*"), (channel, message) => patternReceived.TrySetResult($"{channel}={message}"));

        // The subscription link's keep-alive: PING answered as a pong array while subscribed.
        Assert.True(await subscriber.PingAsync() >= TimeSpan.Zero);
        Assert.Equal(2, await subscriber.PublishAsync(RedisChannel.Literal("news"), "hello"));
        Assert.Equal("hello", await received.Task.WaitAsync(TimeSpan.FromSeconds(20)));
        Assert.Equal("news=hello", await patternReceived.Task.WaitAsync(TimeSpan.FromSeconds(20)));

        IDatabase db = redis.GetDatabase();
        ITransaction transaction = db.CreateTransaction();
        Task<bool> set = transaction.StringSetAsync("k", "v");
        Task<RedisValue> get = transaction.StringGetAsync("k");
        Assert.True(await transaction.ExecuteAsync());
        Assert.True(await set);
        Assert.Equal("v", (string?)await get);
    }
}
