using System.Text;
using System.Threading.Channels;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ReplCache.Replication;

namespace ReplCache.Hosting;

/// <summary>
/// Carries HybridCache tag invalidations made on another node into this node's HybridCache.
/// </summary>
/// <remarks>
/// HybridCache's <c>RemoveByTagAsync</c> writes the tag's invalidation time to L2 under <see cref="TagKeyPrefix"/>, but a
/// HybridCache reads a tag's time from L2 only the first time it meets the tag, then keeps it: an invalidation
/// made on the primary would never reach a secondary's HybridCache. The secondary's apply path announces every key
/// it applied (<see cref="AppliedKeys"/>); this relay picks out the tag keys and replays the invalidation locally. The
/// replay's own write of the tag key back to L2 is skipped (<see cref="IsReplayedWrite"/>, consulted by the cache's
/// <see cref="WriteRoute"/>): the key already holds the primary's value, and writing it again — or forwarding it to
/// the primary — would echo the invalidation around the topology forever. The local invalidation time is this
/// node's clock at the replay, never earlier than the primary's: entries made just before it may be refetched once,
/// none made before the invalidation survive it.
/// </remarks>
internal sealed partial class HybridCacheTagRelay(AppliedKeys appliedKeys, WriteRoute route, IReplicationControl replication, IServiceProvider services, ILoggerFactory? loggerFactory = null)
    : IHostedService, IAppliedKeyObserver, IReplayedWriteFilter, IDisposable
{
    /// <summary>The prefix HybridCache (Microsoft.Extensions.Caching.Hybrid 9 and 10) stores tag invalidation times under.</summary>
    internal const string TagKeyPrefix = "__MSFT_HCT__";

    private static readonly byte[] TagKeyPrefixBytes = Encoding.UTF8.GetBytes(TagKeyPrefix);
    private static readonly AsyncLocal<bool> Replaying = new();
    private readonly ILogger _logger = (loggerFactory ?? Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance).CreateLogger<HybridCacheTagRelay>();
    private readonly Channel<string> _tags = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _stopping = new();
    private IDisposable? _observing;
    private Task? _loop;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (services.GetService<HybridCache>() is not { } hybrid)
        {
            return Task.CompletedTask; // no HybridCache in this app: nothing to relay
        }

        route.ReplayedWrites = this;
        _observing = appliedKeys.Observe(this);
        _loop = RelayAsync(hybrid, replication.GetInfo().NodeId, _stopping.Token);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _observing?.Dispose();
        _tags.Writer.TryComplete();
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_loop is not null)
        {
            await _loop.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public void Dispose() => _stopping.Dispose();

    /// <summary>A replicated set of a tag key: queue the tag (called under the store's write lock, so only queue).</summary>
    public void OnKeyApplied(ReadOnlySpan<byte> key, AppliedChange change)
    {
        if (change == AppliedChange.Set && key.StartsWith(TagKeyPrefixBytes))
        {
            _tags.Writer.TryWrite(Encoding.UTF8.GetString(key[TagKeyPrefixBytes.Length..]));
        }
    }

    /// <summary>True for the tag-key write HybridCache makes while this relay replays an invalidation.</summary>
    /// <remarks>The prefix test first: an AsyncLocal read on every write would cost more.</remarks>
    public bool IsReplayedWrite(string key) => key.StartsWith(TagKeyPrefix, StringComparison.Ordinal) && Replaying.Value;

    private async Task RelayAsync(HybridCache hybrid, string nodeId, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (string tag in _tags.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                Replaying.Value = true;
                try
                {
                    await hybrid.RemoveByTagAsync(tag, cancellationToken).ConfigureAwait(false);
                    Log.Relayed(_logger, nodeId, tag);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    Log.RelayFailed(_logger, nodeId, tag, ex);
                }
                finally
                {
                    Replaying.Value = false;
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }
}
