using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Security.Cryptography;
using Microsoft.AspNetCore.OutputCaching;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Logging;

namespace ReplCache.AspNetCore.OutputCaching;

/// <summary>
/// ASP.NET Core output caching on a ReplCache group: a response cached by any instance is served by every instance,
/// and <see cref="EvictByTagAsync"/> on any instance evicts the tag's entries on all of them at once.
/// </summary>
/// <remarks>
/// <para>Tags are versions, not lists. Each tag has a key holding a random 64-bit version (absent: version 0); an
/// entry stores, beside the response, the version each of its tags had when it was stored, and is served only while
/// every tag still has it. Evicting a tag is one write — a new version — so it is one replicated record: a node
/// has applied it or not, and no node ever serves half a tag evicted. A concurrent store that read the old version
/// lands invalid, which errs toward a miss, never toward a stale hit. Evicted entries are not deleted; they stop
/// being served and leave with their own expiry.</para>
/// <para>A tag's key must outlive every entry stored under its earlier version, or that entry would come back: tag
/// keys live <see cref="TagLifetime"/>, longer than any entry (<see cref="MaxEntryLifetime"/>, the cap on
/// <c>validFor</c>) plus the replication lag a store may race with.</para>
/// <para>Every instance stores, so a secondary's writes go through its primary whatever
/// <see cref="ReplicatedCacheOptions.ReplicaWrites"/> says (<see cref="WriteRoute.SetThroughPrimaryAsync"/>). A store
/// that cannot be made (the link down, NOREPLICAS) is logged and dropped: a response not cached is still served.
/// An eviction that cannot be made throws, since its caller must know the stale entries remain.</para>
/// </remarks>
internal sealed partial class ReplicatedOutputCacheStore : IOutputCacheStore, IOutputCacheBufferStore
{
    internal const string EntryPrefix = "__replcache:outputcache:e:";
    internal const string TagPrefix = "__replcache:outputcache:t:";

    /// <summary>The longest an entry is kept, whatever the policy's expiry says.</summary>
    internal static readonly TimeSpan MaxEntryLifetime = TimeSpan.FromDays(1);

    /// <summary>How long a tag's version is kept after an eviction: past every entry stored before it, with room for lag.</summary>
    internal static readonly TimeSpan TagLifetime = MaxEntryLifetime + TimeSpan.FromMinutes(10);

    private readonly ReplicatedCache _cache;
    private readonly WriteRoute _route;
    private readonly ILogger _logger;
    private readonly Func<string, ulong> _versionOf;

    public ReplicatedOutputCacheStore(ReplicatedCache cache, WriteRoute route, ILogger logger)
    {
        _cache = cache;
        _route = route;
        _logger = logger;
        _versionOf = VersionOf;
    }

    public async ValueTask EvictByTagAsync(string tag, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tag);
        byte[] version = new byte[sizeof(ulong)];
        do
        {
            RandomNumberGenerator.Fill(version);
        }
        while (BinaryPrimitives.ReadUInt64LittleEndian(version) == 0); // 0 is "never evicted"

        var lifetime = new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = TagLifetime };
        await _route.SetThroughPrimaryAsync(TagPrefix + tag, new ReadOnlySequence<byte>(version), lifetime, cancellationToken).ConfigureAwait(false);
    }

    public ValueTask<byte[]?> GetAsync(string key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        cancellationToken.ThrowIfCancellationRequested();
        return new ValueTask<byte[]?>(TryRead(key, out byte[]? entry, out int start) ? entry.AsSpan(start).ToArray() : null);
    }

    public async ValueTask<bool> TryGetAsync(string key, PipeWriter destination, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(destination);
        if (!TryRead(key, out byte[]? entry, out int start))
        {
            return false;
        }

        await destination.WriteAsync(entry.AsMemory(start), cancellationToken).ConfigureAwait(false);
        return true;
    }

    public ValueTask SetAsync(string key, byte[] value, string[]? tags, TimeSpan validFor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(value);
        return SetAsync(key, new ReadOnlySequence<byte>(value), tags.AsMemory(), validFor, cancellationToken);
    }

    public async ValueTask SetAsync(string key, ReadOnlySequence<byte> value, ReadOnlyMemory<string> tags, TimeSpan validFor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (validFor <= TimeSpan.Zero)
        {
            return; // already expired: nothing to keep
        }

        byte[] entry = OutputCacheEntry.Encode(tags.Span, _versionOf, value);
        var expiry = new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = validFor < MaxEntryLifetime ? validFor : MaxEntryLifetime };
        try
        {
            await _route.SetThroughPrimaryAsync(EntryPrefix + key, new ReadOnlySequence<byte>(entry), expiry, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is WriteForwardingException or TimeoutException or NotEnoughReplicasException or ReadOnlyReplicaException)
        {
            Log.NotStored(_logger, key, ex.Message);
        }
    }

    private bool TryRead(string key, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out byte[]? entry, out int payloadStart)
    {
        payloadStart = 0;
        try
        {
            entry = _cache.Get(EntryPrefix + key);
        }
        catch (PrimaryLinkDownException)
        {
            entry = null; // ServeStaleData off and the link down: a miss, and the response is made afresh
        }

        return entry is not null && OutputCacheEntry.TryGetValidPayload(entry, _versionOf, out payloadStart);
    }

    private ulong VersionOf(string tag)
    {
        byte[]? version = _cache.Get(TagPrefix + tag);
        return version is { Length: sizeof(ulong) } ? BinaryPrimitives.ReadUInt64LittleEndian(version) : 0;
    }
}
