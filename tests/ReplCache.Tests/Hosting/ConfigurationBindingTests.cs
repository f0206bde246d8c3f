using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ReplCache.Tests.Hosting;

/// <summary>
/// AddReplicatedCache(IConfiguration) binds through the configuration binding source generator (the library is
/// AOT-compatible): every shape of setting the options have still arrives — nested objects, lists, records bound
/// through their constructor, enums, URIs, time spans.
/// </summary>
public class ConfigurationBindingTests
{
    [Fact]
    public void NestedObjectsListsRecordsEnumsAndUris_AreBound()
    {
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ReplCache:AnnounceAddress"] = "http://127.0.0.1:7001/",
            ["ReplCache:Listen"] = "http://127.0.0.1:0",
            ["ReplCache:RespListen"] = "127.0.0.1:0",
            ["ReplCache:SnapshotPath"] = "dump.rcs",
            ["ReplCache:ReplicaWrites"] = "ForwardToPrimary",
            ["ReplCache:ForwardedWriteTimeout"] = "00:00:03",
            ["ReplCache:Sentinel:Endpoints:0"] = "127.0.0.1:26379",
            ["ReplCache:Sentinel:Endpoints:1"] = "127.0.0.1:26380",
            ["ReplCache:Sentinel:ServiceName"] = "mymaster",
            ["ReplCache:SnapshotSavePoints:0:Interval"] = "00:05:00",
            ["ReplCache:SnapshotSavePoints:0:MinChanges"] = "100",
            ["ReplCache:Tls:ReplicaOfUsesTls"] = "false",
            ["ReplCache:Tls:AllowUntrustedCertificatesForDevelopment"] = "true",
            ["ReplCache:AuthTokenGracePeriod"] = "00:00:30",
        }).Build();
        using ServiceProvider provider = new ServiceCollection().AddReplicatedCache(configuration.GetSection("ReplCache")).BuildServiceProvider();

        ReplicatedCacheOptions options = provider.GetRequiredService<IOptionsMonitor<ReplicatedCacheOptions>>().CurrentValue;

        Assert.Equal(new Uri("http://127.0.0.1:7001/"), options.AnnounceAddress);
        Assert.Equal("127.0.0.1:0", options.RespListen);
        Assert.Equal(ReplicaWriteMode.ForwardToPrimary, options.ReplicaWrites);
        Assert.Equal(TimeSpan.FromSeconds(3), options.ForwardedWriteTimeout);
        Assert.Equal(["127.0.0.1:26379", "127.0.0.1:26380"], options.Sentinel.Endpoints);
        Assert.Equal("mymaster", options.Sentinel.ServiceName);
        Assert.Equal([new SnapshotSavePoint(TimeSpan.FromMinutes(5), 100)], options.SnapshotSavePoints);
        Assert.True(options.Tls.AllowUntrustedCertificatesForDevelopment);
        Assert.Equal(TimeSpan.FromSeconds(30), options.AuthTokenGracePeriod);
        Assert.Same(TimeProvider.System, options.TimeProvider); // code-only: configuration never replaces it
    }
}
