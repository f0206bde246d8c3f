namespace ReplCache.Storage;

/// <summary>Why an entry left the store. Every removal goes through one path and carries one of these.</summary>
internal enum RemovalReason
{
    /// <summary>Removed by a caller (<c>Remove</c>).</summary>
    Removed,

    /// <summary>Its deadline passed (found by a read or by the active expiry cycle).</summary>
    Expired,

    /// <summary>Evicted to keep the store under <c>SizeLimitBytes</c>.</summary>
    Evicted,
}
