using Microsoft.Extensions.Caching.Distributed;
using ReplCache.Tests.Infrastructure;

namespace ReplCache.Tests.Storage;

/// <summary>GetDigest: equal for equal content whatever the order, different for any difference.</summary>
public class DigestTests
{
    [Fact]
    public async Task EmptyCache_IsFortyZeros()
    {
        await using var local = new LocalCache();
        Assert.Equal(new string('0', 40), local.Cache.GetDigest());
    }

    [Fact]
    public async Task SameContentInDifferentOrders_SameDigest()
    {
        await using var a = new LocalCache();
        await using var b = new LocalCache();
        DateTimeOffset at = a.Clock.GetUtcNow().AddHours(1);
        for (int i = 0; i < 1000; i++)
        {
            a.Cache.SetString($"k{i}", $"v{i}", new DistributedCacheEntryOptions { AbsoluteExpiration = at });
        }

        for (int i = 999; i >= 0; i--)
        {
            b.Cache.SetString($"k{i}", "garbage");
            b.Cache.SetString($"k{i}", $"v{i}", new DistributedCacheEntryOptions { AbsoluteExpiration = at });
        }

        Assert.Equal(a.Cache.GetDigest(), b.Cache.GetDigest());
        Assert.Matches("^[0-9a-f]{40}$", a.Cache.GetDigest());
    }

    [Fact]
    public async Task AnyDifference_ChangesTheDigest_AndUndoingItRestoresIt()
    {
        await using var local = new LocalCache();
        DateTimeOffset at = local.Clock.GetUtcNow().AddHours(1);
        var options = new DistributedCacheEntryOptions { AbsoluteExpiration = at };
        for (int i = 0; i < 100; i++)
        {
            local.Cache.SetString($"k{i}", $"v{i}", options);
        }

        string original = local.Cache.GetDigest();
        var seen = new HashSet<string> { original };

        local.Cache.SetString("k5", "v6", options);                      // one value byte
        Assert.True(seen.Add(local.Cache.GetDigest()));
        local.Cache.SetString("k5", "v5", options);
        Assert.Equal(original, local.Cache.GetDigest());

        local.Cache.SetString("k5", "v5", new DistributedCacheEntryOptions { AbsoluteExpiration = at.AddMilliseconds(1) }); // the expiry
        Assert.True(seen.Add(local.Cache.GetDigest()));
        local.Cache.SetString("k5", "v5", new DistributedCacheEntryOptions { AbsoluteExpiration = at, SlidingExpiration = TimeSpan.FromHours(2) }); // a sliding window
        Assert.True(seen.Add(local.Cache.GetDigest()));
        local.Cache.SetString("k5", "v5", options);
        Assert.Equal(original, local.Cache.GetDigest());

        local.Cache.Remove("k5");                                         // a key less
        local.Cache.SetString("k5x", "v5", options);                      // the same value under another key
        Assert.True(seen.Add(local.Cache.GetDigest()));
        local.Cache.Remove("k5x");
        Assert.True(seen.Add(local.Cache.GetDigest()));
        local.Cache.SetString("k5", "v5", options);
        Assert.Equal(original, local.Cache.GetDigest());
    }

    [Fact]
    public async Task KeyAndValueBoundary_IsPartOfTheDigest()
    {
        await using var a = new LocalCache();
        await using var b = new LocalCache();
        a.Cache.SetString("ab", "c");
        b.Cache.SetString("a", "bc");
        Assert.NotEqual(a.Cache.GetDigest(), b.Cache.GetDigest());
    }
}
