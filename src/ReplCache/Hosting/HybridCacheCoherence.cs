using System.Text;
using System.Threading.Channels;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ReplCache.Replication;

namespace ReplCache.Hosting;

/// <summary>
/// Keeps this node's HybridCache in step with what replication changed here: drops its local (L1) copy of every key
/// replication set or removed, and carries tag invalidations made on another node into it.
/// </summary>
/// <remarks>
/// <para>L1: HybridCache keeps its local copies in the app's <see cref="IMemoryCache"/> under the cache key itself, and
/// never looks at L2 again until the copy expires: a value replaced on the primary would be served stale by every
/// secondary's HybridCache for up to <c>LocalCacheExpiration</c>. The secondary's apply path announces every key it
/// applied (<see cref="AppliedKeys"/>); this relay removes that key from the memory cache — the L1 copy only, so
/// nothing is written back to L2 and nothing echoes. The next read misses L1 and finds the new value in L2, without
/// calling the factory. A read that fetched the old value from L2 just before the change arrived can still plant it in
/// L1 after the drop; each batch of keys is dropped a second time <see cref="RedropDelay"/> later to close that window.</para>
/// <para>Tags: HybridCache's <c>RemoveByTagAsync</c> writes the tag's invalidation time to L2 under
/// <see cref="TagKeyPrefix"/>, but a HybridCache reads a tag's time from L2 only the first time it meets the tag, then
/// keeps it. This relay picks out the tag keys and replays the invalidation locally. The replay's own write of the tag
/// key back to L2 is skipped (<see cref="IsReplayedWrite"/>, consulted by the cache's <see cref="WriteRoute"/>): the
/// key already holds the primary's value, and writing it again — or forwarding it to the primary — would echo the
/// invalidation around the topology forever. The local invalidation time is this node's clock at the replay, never
/// earlier than the primary's: entries made just before it may be refetched once, none made before it survive it.</para>
/// <para>A replicated clear, or a full resync starting over, empties the memory cache (L1 of every key at once). Not
/// HybridCache's wildcard tag: that would invalidate by this node's clock, and every entry the resync then brings,
/// all made earlier on the primary, would be refused as invalidated.</para>
/// <para>Only the HybridCache whose L2 is this node's cache is kept: the unkeyed cache's relay serves a HybridCache
/// without <see cref="HybridCacheOptions.DistributedCacheServiceKey"/>, a keyed cache's relay the HybridCache whose
/// key is <see cref="ServiceKey"/>.</para>
/// </remarks>
internal sealed partial class HybridCacheCoherence(AppliedKeys appliedKeys, WriteRoute route, IReplicationControl replication, IServiceProvider services, ILoggerFactory? loggerFactory = null)
    : IHostedService, IAppliedKeyObserver, IReplayedWriteFilter, IDisposable
{
    /// <summary>The prefix HybridCache (Microsoft.Extensions.Caching.Hybrid 9 and 10) stores tag invalidation times under.</summary>
    internal const string TagKeyPrefix = "__MSFT_HCT__";

    /// <summary>How long after the first drop of a key its L1 copy is dropped again (see remarks).</summary>
    internal static readonly TimeSpan RedropDelay = TimeSpan.FromMilliseconds(250);

    private static readonly byte[] TagKeyPrefixBytes = Encoding.UTF8.GetBytes(TagKeyPrefix);
    private static readonly AsyncLocal<bool> Replaying = new();
    private readonly ILogger _logger = (loggerFactory ?? Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance).CreateLogger<HybridCacheCoherence>();
    private readonly Channel<Change> _changes = Channel.CreateUnbounded<Change>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _stopping = new();
    private IDisposable? _observing;
    private Task? _loop;

    /// <summary>The key of the keyed cache this relay serves; null for the unkeyed one.</summary>
    public object? ServiceKey { get; init; }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (services.GetService<HybridCache>() is not { } hybrid
            || !Equals(services.GetService<IOptions<HybridCacheOptions>>()?.Value.DistributedCacheServiceKey, ServiceKey))
        {
            return Task.CompletedTask; // no HybridCache in this app, or one over another cache: nothing to keep
        }

        route.ReplayedWrites = this;
        _observing = appliedKeys.Observe(this);
        _loop = RelayAsync(hybrid, services.GetService<IMemoryCache>(), replication.GetInfo().NodeId, _stopping.Token);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _observing?.Dispose();
        _changes.Writer.TryComplete();
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_loop is not null)
        {
            await _loop.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public void Dispose() => _stopping.Dispose();

    /// <summary>A key replication changed: queue what to do about it (called under the store's write lock, so only queue).</summary>
    public void OnKeyApplied(ReadOnlySpan<byte> key, AppliedChange change)
    {
        if (change == AppliedChange.Cleared)
        {
            _changes.Writer.TryWrite(new Change("", Kind.All));
        }
        else if (key.StartsWith(TagKeyPrefixBytes))
        {
            if (change == AppliedChange.Set)
            {
                _changes.Writer.TryWrite(new Change(Encoding.UTF8.GetString(key[TagKeyPrefixBytes.Length..]), Kind.Tag));
            }
        }
        else
        {
            _changes.Writer.TryWrite(new Change(Encoding.UTF8.GetString(key), Kind.Key));
        }
    }

    /// <summary>True for the tag-key write HybridCache makes while this relay replays an invalidation.</summary>
    /// <remarks>The prefix test first: an AsyncLocal read on every write would cost more.</remarks>
    public bool IsReplayedWrite(string key) => key.StartsWith(TagKeyPrefix, StringComparison.Ordinal) && Replaying.Value;

    private async Task RelayAsync(HybridCache hybrid, IMemoryCache? local, string nodeId, CancellationToken cancellationToken)
    {
        var dropped = new List<string>();
        try
        {
            while (await _changes.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                while (_changes.Reader.TryRead(out Change change))
                {
                    switch (change.Kind)
                    {
                        case Kind.Tag:
                            await ReplayTagAsync(hybrid, change.Name, nodeId, cancellationToken).ConfigureAwait(false);
                            break;
                        case Kind.Key when local is not null:
                            local.Remove(change.Name);
                            dropped.Add(change.Name);
                            break;
                        case Kind.All when local is MemoryCache memory:
                            memory.Clear();
                            break;
                    }
                }

                if (dropped.Count > 0)
                {
                    Log.Dropped(_logger, nodeId, dropped.Count);
                    _ = DropAgainAsync(local!, [.. dropped], cancellationToken);
                    dropped.Clear();
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private async Task ReplayTagAsync(HybridCache hybrid, string tag, string nodeId, CancellationToken cancellationToken)
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

    private static async Task DropAgainAsync(IMemoryCache local, string[] keys, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(RedropDelay, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return; // stopping: nothing is served any more
        }

        foreach (string key in keys)
        {
            local.Remove(key);
        }
    }

    /// <summary>A key whose L1 copy to drop, a tag whose invalidation to replay, or every L1 copy.</summary>
    private readonly record struct Change(string Name, Kind Kind);

    private enum Kind
    {
        Key,
        Tag,
        All,
    }
}
