using Microsoft.Extensions.Caching.Distributed;

namespace ReplCache.Tests.Resp;

/// <summary>SCAN returns every key present for the whole scan at least once, while the table grows or shrinks.</summary>
public class ScanTests
{
    [Fact]
    public async Task Scan_OfAQuietStore_ReturnsEveryKeyExactlyOnce()
    {
        await using ReplicatedCacheNode node = await RespNodes.StartPrimaryAsync();
        await using RespTestClient client = await RespTestClient.ConnectAsync(node);
        for (int i = 0; i < 1000; i++)
        {
            node.Cache.SetString($"k{i}", "v");
        }

        List<string> seen = await ScanAllAsync(client, node, count: 7, during: null);
        Assert.Equal(1000, seen.Count);
        Assert.Equal(1000, seen.Distinct().Count());
    }

    [Fact]
    public async Task Scan_WhileTheTableGrowsAndShrinks_ReturnsEveryKeyPresentThroughout()
    {
        await using ReplicatedCacheNode node = await RespNodes.StartPrimaryAsync();
        await using RespTestClient client = await RespTestClient.ConnectAsync(node);
        for (int i = 0; i < 500; i++)
        {
            node.Cache.SetString($"stable{i}", "v");
        }

        int step = 0;
        List<string> seen = await ScanAllAsync(client, node, count: 10, during: () =>
        {
            // Each step adds or removes enough keys to force doublings, then halvings, between SCAN calls.
            step++;
            if (step % 12 < 6)
            {
                for (int i = 0; i < 800; i++)
                {
                    node.Cache.SetString($"churn{step}-{i}", "v");
                }
            }
            else
            {
                foreach (string key in node.Cache.GetKeys("churn*").ToList())
                {
                    node.Cache.Remove(key);
                }
            }
        });

        Assert.True(step > 12, $"the scan should have spanned several resizes; it took {step} calls");
        var missing = Enumerable.Range(0, 500).Select(i => $"stable{i}").Except(seen).ToList();
        Assert.Empty(missing);
    }

    [Fact]
    public async Task Scan_Options_MatchCountAndType()
    {
        await using ReplicatedCacheNode node = await RespNodes.StartPrimaryAsync();
        await using RespTestClient client = await RespTestClient.ConnectAsync(node);
        for (int i = 0; i < 50; i++)
        {
            node.Cache.SetString(i % 2 == 0 ? $"even{i}" : $"odd{i}", "v");
        }

        var seen = new List<string>();
        string cursor = "0";
        do
        {
            object?[] page = Assert.IsType<object?[]>(await client.CallAsync("SCAN", cursor, "MATCH", "even*", "COUNT", "5", "TYPE", "string"));
            cursor = Assert.IsType<string>(page[0]);
            seen.AddRange(Assert.IsType<object?[]>(page[1]).Cast<string>());
        }
        while (cursor != "0");
        Assert.Equal(25, seen.Distinct().Count());
        Assert.All(seen, k => Assert.StartsWith("even", k));

        object?[] hashes = Assert.IsType<object?[]>(await client.CallAsync("SCAN", "0", "TYPE", "hash", "COUNT", "1000"));
        Assert.Empty(Assert.IsType<object?[]>(hashes[1]));
        Assert.Equal(new RespError("ERR invalid cursor"), await client.CallAsync("SCAN", "abc"));
        Assert.Equal(new RespError("ERR syntax error"), await client.CallAsync("SCAN", "0", "COUNT", "0"));
        Assert.Equal(new RespError("ERR syntax error"), await client.CallAsync("SCAN", "0", "LIMIT", "5"));
    }

    private static async Task<List<string>> ScanAllAsync(RespTestClient client, ReplicatedCacheNode node, int count, Action? during)
    {
        var seen = new List<string>();
        string cursor = "0";
        int calls = 0;
        do
        {
            object?[] page = Assert.IsType<object?[]>(await client.CallAsync("SCAN", cursor, "COUNT", count.ToString(), "MATCH", "*"));
            cursor = Assert.IsType<string>(page[0]);
            seen.AddRange(Assert.IsType<object?[]>(page[1]).Cast<string>());
            during?.Invoke();
            Assert.True(++calls < 100_000, "SCAN did not finish");
        }
        while (cursor != "0");
        return seen;
    }
}
