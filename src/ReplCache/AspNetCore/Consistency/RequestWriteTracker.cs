namespace ReplCache.AspNetCore.Consistency;

/// <summary>
/// Tells which requests wrote through the node's cache: the middleware opens a mark for the request's flow, and every
/// cache-API write made on that flow (the endpoint's, the session's commit) sets it.
/// </summary>
/// <remarks>
/// An <see cref="AsyncLocal{T}"/> flows into everything the request awaits, and not into other requests; the mark is
/// a mutable box so that a write deep in the flow is seen by the middleware above it. A write made outside any
/// request (a background job) finds no mark and costs one AsyncLocal read.
/// </remarks>
internal sealed class RequestWriteTracker : ICacheWriteObserver
{
    private static readonly AsyncLocal<WriteMark?> Current = new();

    /// <summary>Starts tracking the writes of the calling flow (a request) and returns its mark.</summary>
    public static WriteMark Open()
    {
        var mark = new WriteMark();
        Current.Value = mark;
        return mark;
    }

    public void OnCacheWrite()
    {
        if (Current.Value is { } mark)
        {
            mark.Wrote = true;
        }
    }

    /// <summary>Whether a request wrote; written by the request's flow, read when its response starts.</summary>
    internal sealed class WriteMark
    {
        private volatile bool _wrote;

        public bool Wrote
        {
            get => _wrote;
            set => _wrote = value;
        }
    }
}
