namespace ReplCache.Demo;

/// <summary>
/// One of the tutorial's Redis servers (6379, 6380, 6381): a ReplCache node that can be shut down and started
/// again on the same port with the same snapshot file, as <c>redis-server redis6379.conf</c> would be.
/// </summary>
internal sealed class DemoNode(string name, string directory) : IAsyncDisposable
{
    private ReplicatedCacheNode? _node;

    /// <summary>The tutorial's name for the server, used as the node id.</summary>
    public string Name => name;

    /// <summary>The port the node listens on; kept while it is down, so that it comes back on the same one.</summary>
    public int Port { get; private set; }

    public bool IsRunning => _node is not null;

    public ReplicatedCacheNode Node => _node ?? throw new InvalidOperationException($"{name} is down.");

    public Uri Address => Node.Address;

    public ReplicatedCache Cache => Node.Cache;

    public IReplicationControl Replication => Node.Replication;

    public ReplicationInfo Info => Node.Replication.GetInfo();

    /// <summary>Starts the node (the first time on a port the OS picks), loading its snapshot if it has one.</summary>
    /// <param name="primary">The primary it is configured to follow (a <c>replicaof</c> line in its config); null: none.</param>
    public async Task StartAsync(Uri? primary = null)
    {
        _node = await ReplicatedCacheNode.StartAsync(new ReplicatedCacheOptions
        {
            NodeId = name,
            Listen = $"http://127.0.0.1:{Port}",
            SnapshotPath = Path.Combine(directory, $"dump{name}.rcs"), // dbfilename dump6379.rdb
            PrimaryAddress = primary,
        });
        Port = _node.Address.Port;
    }

    /// <summary><c>redis-cli shutdown</c>: a primary first lets its replicas acknowledge everything, then the node saves and stops.</summary>
    public async Task StopAsync()
    {
        if (_node is { } node)
        {
            _node = null;
            await node.StopAsync();
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync();
}
