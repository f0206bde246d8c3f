namespace ReplCache;

/// <summary>
/// Hears that the cache API is about to write (a set or a removal, local or forwarded), on the caller's own flow, so
/// a host component can tell which of its operations wrote: the consistency middleware marks the request.
/// </summary>
internal interface ICacheWriteObserver
{
    /// <summary>Called on every cache-API write before it is made: must be cheap and must not block.</summary>
    void OnCacheWrite();
}
