using System.Net;
using ReplCache.Hosting;
using ReplCache.Server.Config;
using ReplCache.Tests.Infrastructure;
using ReplCache.Tests.Resp;

namespace ReplCache.Tests.Security;

/// <summary>
/// Protected mode, as Redis's. Tests may only use 127.0.0.0/8, which is all loopback, so the refusal of other hosts
/// is tested on the decision itself with address values, and the connection path end to end for the allowed case.
/// </summary>
public class ProtectedModeTests
{
    private static ReplicatedCacheOptions Options(bool protectedMode = true, string? token = null) =>
        new() { ProtectedMode = protectedMode, AuthToken = token };

    [Theory]
    [InlineData("10.0.0.7", true)]
    [InlineData("192.168.1.20", true)]
    [InlineData("2001:db8::1", true)]
    [InlineData("::ffff:10.0.0.7", true)]
    [InlineData("127.0.0.1", false)]
    [InlineData("127.0.0.2", false)]
    [InlineData("::1", false)]
    [InlineData("::ffff:127.0.0.1", false)]
    public void Refuses_NonLoopbackClients_WhenOnAndNoToken(string address, bool refused) =>
        Assert.Equal(refused, ProtectedMode.Refuses(Options(), IPAddress.Parse(address)));

    [Fact]
    public void Refuses_Nobody_WithATokenOrWhenOff_OrWithoutAnAddress()
    {
        IPAddress remote = IPAddress.Parse("10.0.0.7");
        Assert.False(ProtectedMode.Refuses(Options(token: "s3cret"), remote));
        Assert.False(ProtectedMode.Refuses(Options(protectedMode: false), remote));
        Assert.False(ProtectedMode.Refuses(Options(), remote: null)); // a Unix socket or in-memory transport: local
    }

    [Theory]
    [InlineData("http://127.0.0.1:0", "127.0.0.1:0", 0)]
    [InlineData("http://localhost:7000", "[::1]:6379", 0)]
    [InlineData("http://0.0.0.0:7000", null, 1)]
    [InlineData("http://127.0.0.1:7000", "0.0.0.0:6379", 1)]
    [InlineData("http://[::]:7000", "cache.example.com:6379", 2)]
    public void ExposedEndpoints_AreTheNonLoopbackListeners(string listen, string? respListen, int exposed)
    {
        Assert.Equal(exposed, ProtectedMode.ExposedEndpoints(new ReplicatedCacheOptions { Listen = listen, RespListen = respListen }).Count);
        Assert.Empty(ProtectedMode.ExposedEndpoints(new ReplicatedCacheOptions { Listen = listen, RespListen = respListen, AuthToken = "s3cret" }));
    }

    [Fact]
    public void DeniedReply_IsRedis7sText()
    {
        string reply = System.Text.Encoding.ASCII.GetString(ProtectedMode.DeniedReply);
        Assert.StartsWith("-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user.", reply, StringComparison.Ordinal);
        Assert.EndsWith("in order for the server to start accepting connections from the outside.\r\n", reply, StringComparison.Ordinal);
        Assert.Equal(1066, reply.Length); // Redis's string constant is 1067 bytes with its NUL
    }

    [Fact]
    public async Task LoopbackClient_IsServed_WithoutAToken()
    {
        await using ReplicatedCacheNode node = await RespNodes.StartPrimaryAsync();
        Assert.True(node.Core.Options.ProtectedMode);
        await using RespTestClient client = await RespTestClient.ConnectAsync(node);
        Assert.Equal("PONG", await client.CallAsync("PING"));
        Assert.Equal("OK", await client.CallAsync("SET", "k", "v"));
    }

    [Fact]
    public async Task LoopbackListeners_DoNotWarn()
    {
        using var log = new CapturedLog();
        await using ReplicatedCacheNode node = await ReplicatedCacheNode.StartAsync(Nodes.Options(configure: o => o.RespListen = "127.0.0.1:0"), log);
        Assert.Equal(0, log.Count(122) + log.Count(123));
    }

    [Theory]
    [InlineData("protected-mode no", false)]
    [InlineData("protected-mode yes", true)]
    [InlineData("", true)]
    public void ServerConfig_ProtectedMode_MapsToTheOption(string line, bool expected)
    {
        string file = Path.Combine(Path.GetTempPath(), $"replcache-pm-{Guid.NewGuid():N}.conf");
        File.WriteAllText(file, "port 0\n" + line + "\n");
        try
        {
            ReplicatedCacheOptions options = NodeOptionsMapping.ToOptions(ServerConfigLoader.Load(CommandLine.Parse([file])));
            Assert.Equal(expected, options.ProtectedMode);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void ServerConfig_ProtectedMode_RefusesOtherWords()
    {
        string file = Path.Combine(Path.GetTempPath(), $"replcache-pm-{Guid.NewGuid():N}.conf");
        File.WriteAllText(file, "protected-mode maybe\n");
        try
        {
            ConfigException ex = Assert.Throws<ConfigException>(() => ServerConfigLoader.Load(CommandLine.Parse([file])));
            Assert.Contains("'yes' or 'no'", ex.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
