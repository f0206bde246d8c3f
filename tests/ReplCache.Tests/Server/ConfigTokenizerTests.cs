using ReplCache.Resp.Directives;
using ReplCache.Server.Config;

namespace ReplCache.Tests.Server;

/// <summary>Config lines split as Redis's sdssplitargs splits them.</summary>
public sealed class ConfigTokenizerTests
{
    [Theory]
    [InlineData("port 6379", new[] { "port", "6379" })]
    [InlineData("  save\t900   1  ", new[] { "save", "900", "1" })]
    [InlineData("logfile \"\"", new[] { "logfile", "" })]
    [InlineData("requirepass \"a b\\tc\\n\\\"q\\\"\\\\\"", new[] { "requirepass", "a b\tc\n\"q\"\\" })]
    [InlineData("requirepass \"\\x41\\x7a\\xZZ\"", new[] { "requirepass", "AzxZZ" })]
    [InlineData("requirepass \"\\r\\b\\a\\q\"", new[] { "requirepass", "\r\b\aq" })]
    [InlineData("requirepass 'it\\'s \"x\" \\n'", new[] { "requirepass", "it's \"x\" \\n" })]
    [InlineData("requirepass ab\"c d\"", new[] { "requirepass", "abc d" })]
    [InlineData("dir /tmp/#not-a-comment", new[] { "dir", "/tmp/#not-a-comment" })]
    [InlineData("", new string[0])]
    public void Splits(string line, string[] expected) => Assert.Equal(expected, ConfigTokenizer.Split(line));

    [Fact]
    public void HexEscapes_AreBytes_SoSeveralMakeOneUtf8Character() =>
        Assert.Equal(["x", "é€"], ConfigTokenizer.Split("x \"\\xc3\\xa9\\xe2\\x82\\xac\""));

    [Theory]
    [InlineData("requirepass \"open")]
    [InlineData("requirepass 'open")]
    [InlineData("requirepass \"closed\"then")]
    [InlineData("requirepass 'closed'then")]
    [InlineData("requirepass \"ends with backslash\\")]
    public void UnbalancedQuotes_AreRefused(string line) => Assert.Null(ConfigTokenizer.Split(line));

    [Theory]
    [InlineData("1", 1L)]
    [InlineData("1b", 1L)]
    [InlineData("1k", 1000L)]
    [InlineData("1kb", 1024L)]
    [InlineData("1KB", 1024L)]
    [InlineData("2m", 2_000_000L)]
    [InlineData("2Mb", 2L * 1024 * 1024)]
    [InlineData("3g", 3_000_000_000L)]
    [InlineData("3gB", 3L * 1024 * 1024 * 1024)]
    public void MemoryUnits_AsRedis(string text, long bytes)
    {
        Assert.True(MemorySize.TryParse(text, out long parsed));
        Assert.Equal(bytes, parsed);
    }

    [Theory]
    [InlineData("")]
    [InlineData("k")]
    [InlineData("1kib")]
    [InlineData("-1")]
    [InlineData("1.5m")]
    [InlineData("99999999999gb")]
    public void BadMemoryValues_AreRefused(string text) => Assert.False(MemorySize.TryParse(text, out _));
}
