using System.Buffers;
using System.Collections.ObjectModel;
using System.Text;
using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Logging;
using ReplCache.Storage;

namespace ReplCache.AspNetCore.DataProtection;

/// <summary>
/// The Data Protection key ring kept in a ReplCache group: every instance of a farm reads the one ring and may add to
/// it, from any node.
/// </summary>
/// <remarks>
/// <para>One entry per element (a key, a revocation), never one entry for the whole ring: two instances adding a key
/// at once each make one write, and neither overwrites the other's (a ring read, changed and written back would lose
/// one of them). Element keys carry a random suffix, since friendly names need not be unique.</para>
/// <para>Entries live under <see cref="PinnedKeys.Prefix"/>, which the memory bound never evicts on any node, and are
/// written without expiry; with <c>SnapshotPath</c> they survive a restart of the primary like any entry.</para>
/// <para>A secondary adds elements through its primary whatever <c>ReplicaWrites</c> says (every instance may
/// create the next key). Reads go through <see cref="KeyRingReadiness"/>, so a node that is not synced refuses
/// instead of answering with an empty ring.</para>
/// </remarks>
internal sealed partial class ReplicatedXmlRepository(string ringKey, ReplicatedCache cache, WriteRoute route, KeyRingReadiness readiness, string nodeId, ILogger logger)
    : IXmlRepository
{
    private readonly string _prefix = PinnedKeys.Prefix + ringKey + ":";

    public IReadOnlyCollection<XElement> GetAllElements()
    {
        ReadOnlyCollection<XElement> ring = readiness.WaitForTrustedRing(ReadRing, static ring => ring.Count == 0);
        if (ring.Count == 0)
        {
            Log.EmptyRing(logger, _prefix, nodeId);
        }

        return ring;
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        ArgumentNullException.ThrowIfNull(element);
        string key = $"{_prefix}{friendlyName}:{Guid.NewGuid():N}";
        byte[] xml = Encoding.UTF8.GetBytes(element.ToString(SaveOptions.DisableFormatting));
        route.SetThroughPrimary(key, new ReadOnlySequence<byte>(xml), new DistributedCacheEntryOptions()); // no expiry: a key ring entry never expires
        Log.Stored(logger, friendlyName, nodeId);
    }

    private ReadOnlyCollection<XElement> ReadRing()
    {
        var elements = new List<XElement>();
        foreach (string key in cache.GetKeys(GlobEscaped(_prefix) + "*"))
        {
            if (cache.Get(key) is { } xml)
            {
                using var stream = new MemoryStream(xml, writable: false);
                elements.Add(XElement.Load(stream));
            }
        }

        return elements.AsReadOnly();
    }

    /// <summary>The ring key as a literal in a Redis glob: its <c>* ? [ ] \</c> escaped.</summary>
    private static string GlobEscaped(string text)
    {
        var escaped = new StringBuilder(text.Length + 8);
        foreach (char c in text)
        {
            if (c is '*' or '?' or '[' or ']' or '\\')
            {
                escaped.Append('\\');
            }

            escaped.Append(c);
        }

        return escaped.ToString();
    }
}
