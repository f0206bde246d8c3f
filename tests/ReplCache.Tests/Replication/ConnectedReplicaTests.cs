using ReplCache.Replication.Primary;

namespace ReplCache.Tests.Replication;

/// <summary>
/// Dropping a secondary from outside its session (a node stopping): the session may have ended a moment before,
/// after the registry's list was taken. Found by the quick suite: a node's disposal threw ObjectDisposedException.
/// </summary>
public sealed class ConnectedReplicaTests
{
    [Fact]
    public void Disconnect_CancelsALiveLink()
    {
        using var stop = new CancellationTokenSource();
        var replica = new ConnectedReplica("node-a", null, 0, null, stop);

        replica.Disconnect();

        Assert.True(stop.IsCancellationRequested);
    }

    [Fact]
    public void Disconnect_OfALinkWhoseSessionJustEnded_DoesNothing()
    {
        var stop = new CancellationTokenSource();
        var replica = new ConnectedReplica("node-a", null, 0, null, stop);
        stop.Dispose(); // the session left the registry and disposed its token source

        Exception? thrown = Record.Exception(replica.Disconnect);

        Assert.Null(thrown);
    }
}
