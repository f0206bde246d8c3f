using ReplCache.Tests.Infrastructure;

namespace ReplCache.Tests.Storage;

/// <summary>WaitForReplicasAsync on a node nobody replicates from.</summary>
public class WaitWithoutReplicasTests
{
    [Fact]
    public async Task ZeroReplicasOrZeroTimeout_ReturnsAtOnce()
    {
        await using var local = new LocalCache();
        Assert.Equal(0, await local.Node.Control.WaitForReplicasAsync(0, TimeSpan.FromHours(1)));
        Assert.Equal(0, await local.Node.Control.WaitForReplicasAsync(3, TimeSpan.Zero));
    }

    [Fact]
    public async Task Timeout_ElapsesThenReturnsZero()
    {
        await using var local = new LocalCache();
        Task<int> waiting = local.Node.Control.WaitForReplicasAsync(1, TimeSpan.FromMilliseconds(200));
        Assert.Equal(0, await waiting.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task Cancellation_IsHonoured()
    {
        await using var local = new LocalCache();
        using var cancel = new CancellationTokenSource();
        Task<int> waiting = local.Node.Control.WaitForReplicasAsync(1, Timeout.InfiniteTimeSpan, cancel.Token);
        Assert.False(waiting.IsCompleted);
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
    }

    [Fact]
    public async Task NegativeArguments_Throw()
    {
        await using var local = new LocalCache();
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => local.Node.Control.WaitForReplicasAsync(-1, TimeSpan.Zero));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => local.Node.Control.WaitForReplicasAsync(1, TimeSpan.FromSeconds(-2)));
    }
}
