using ReplCache.Storage;
using ReplCache.Tests.Infrastructure;

namespace ReplCache.Tests.Storage;

/// <summary>Redis KEYS glob semantics, including the odd corners of Redis's stringmatchlen.</summary>
public class KeyPatternTests
{
    [Theory]
    [InlineData("*", "", true)]
    [InlineData("*", "anything", true)]
    [InlineData("h?llo", "hello", true)]
    [InlineData("h?llo", "hallo", true)]
    [InlineData("h?llo", "hllo", false)]
    [InlineData("h*llo", "hllo", true)]
    [InlineData("h*llo", "heeeello", true)]
    [InlineData("h*llo", "hello world", false)]
    [InlineData("h[ae]llo", "hello", true)]
    [InlineData("h[ae]llo", "hallo", true)]
    [InlineData("h[ae]llo", "hillo", false)]
    [InlineData("h[^e]llo", "hallo", true)]
    [InlineData("h[^e]llo", "hello", false)]
    [InlineData("h[a-b]llo", "hallo", true)]
    [InlineData("h[a-b]llo", "hbllo", true)]
    [InlineData("h[a-b]llo", "hcllo", false)]
    [InlineData("[z-a]", "m", true)]          // a reversed range is swapped, as in Redis
    [InlineData("a\\*b", "a*b", true)]
    [InlineData("a\\*b", "axb", false)]
    [InlineData("a\\?", "a?", true)]
    [InlineData("a\\?", "ab", false)]
    [InlineData("\\[x", "[x", true)]
    [InlineData("[abc", "a", true)]           // unclosed class: runs to the pattern's end
    [InlineData("[abc", "d", false)]
    [InlineData("[]", "a", false)]            // empty class never matches
    [InlineData("[]", "", false)]
    [InlineData("[^]", "a", true)]            // negated empty class matches any one character
    [InlineData("a**b", "ab", true)]
    [InlineData("a**b", "axxb", true)]
    [InlineData("a\\", "a\\", true)]          // trailing backslash is literal
    [InlineData("[\\]]", "]", true)]          // escaped ] inside a class
    [InlineData("[a-]", "]", true)]           // Redis reads "a-]" as the range a..]
    [InlineData("user:*:name", "user:42:name", true)]
    [InlineData("user:*:name", "user:42:mail", false)]
    [InlineData("*a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false)] // no exponential backtracking
    [InlineData("K*", "key", false)]          // case-sensitive
    public void Matches_AsRedisDoes(string pattern, string text, bool expected) =>
        Assert.Equal(expected, new KeyPattern(pattern).IsMatch(text));

    [Fact]
    public async Task GetKeys_FiltersByPattern()
    {
        await using var local = new LocalCache();
        foreach (string key in new[] { "user:1", "user:2", "user:10", "order:1", "User:3" })
        {
            local.Cache.Set(key, [1], new Microsoft.Extensions.Caching.Distributed.DistributedCacheEntryOptions());
        }

        Assert.Equal(new[] { "user:1", "user:10", "user:2" }, local.Cache.GetKeys("user:*").Order());
        Assert.Equal(new[] { "user:1", "user:2" }, local.Cache.GetKeys("user:?").Order());
        Assert.Equal(new[] { "User:3", "user:1", "user:2" }, local.Cache.GetKeys("[uU]ser:[0-9]").Order(StringComparer.Ordinal));
        Assert.Equal(5, local.Cache.GetKeys().Count());
    }
}
