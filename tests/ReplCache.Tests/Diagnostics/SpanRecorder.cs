using System.Collections.Concurrent;
using System.Diagnostics;

namespace ReplCache.Tests.Diagnostics;

/// <summary>
/// An <see cref="ActivityListener"/> on the ReplCache source that keeps every span that ended. Tests in other classes
/// run alongside, so a test reads only the spans of its own nodes (by their node id tag).
/// </summary>
internal sealed class SpanRecorder : IDisposable
{
    private readonly ConcurrentQueue<Activity> _ended = new();
    private readonly ActivityListener _listener;

    public SpanRecorder()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == ReplCacheInstruments.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _ended.Enqueue,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    /// <summary>The ended spans of the node, in the order they ended.</summary>
    public Activity[] Of(ReplicatedCacheNode node)
    {
        string id = node.Replication.GetInfo().NodeId;
        return [.. _ended.Where(a => a.GetTagItem(ReplCacheInstruments.NodeTag) as string == id)];
    }

    /// <summary>The node's one ended span of that name, once it has ended (bounded wait: spans end on other threads).</summary>
    public async Task<Activity> OneAsync(ReplicatedCacheNode node, string name)
    {
        await Infrastructure.Poll.UntilAsync(() => Of(node).Any(a => a.OperationName == name), $"a {name} span of {node.Address}");
        return Assert.Single(Of(node), a => a.OperationName == name);
    }

    public void Dispose() => _listener.Dispose();
}
