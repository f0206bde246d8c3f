using ReplCache.Tests.Infrastructure;
using ReplCache.Tests.Resp;

namespace ReplCache.Tests.RedisPorts;

/// <summary>Redis's tests/integration/replication-4.tcl, the cases ReplCache's commands can express.</summary>
public sealed class Replication4Tests
{
    [Fact]
    public async Task Replication_CommandsWithManyArguments_Issue1221()
    {
        await using ReplicatedCacheNode primary = await RespNodes.StartPrimaryAsync();
        await using ReplicatedCacheNode replica = await RespNodes.StartSecondaryAsync(primary.Address);
        await Nodes.WaitInSyncAsync(primary, replica);
        await using RespTestClient client = await RespTestClient.ConnectAsync(primary);

        var random = new Random(1221);
        for (int j = 0; j < 100; j++)
        {
            var command = new List<string> { "MSET" };
            for (int i = 0; i < 1000; i++)
            {
                command.Add($"key:{random.Next(100_000)}");
                command.Add($"{random.Next()}");
            }

            Assert.Equal("OK", await client.CallAsync([.. command]));
        }

        Assert.Equal(1L, await client.CallAsync("WAIT", "1", "0"));
        Assert.True(primary.Cache.Count > 50_000);
        Assert.Equal(primary.Cache.GetDigest(), replica.Cache.GetDigest());
    }
}
