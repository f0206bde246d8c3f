namespace ReplCache.Backlog;

/// <summary>
/// The kinds of replication log record. Every record states a key's whole new state — never "extend by" or
/// "increment" — so applying a record twice, or over a newer state that a later record overwrites again,
/// ends in the same state. That is what lets a snapshot be taken while writers run.
/// </summary>
internal enum LogRecordKind : byte
{
    /// <summary><c>[0, key, value, absoluteExpiryMs, slidingMs, slidingDeadlineMs]</c>.</summary>
    Set = 0,

    /// <summary><c>[1, key]</c>: a removal, whatever its cause (caller, expiry on the primary, eviction).</summary>
    Remove = 1,

    /// <summary><c>[2, key, slidingDeadlineMs]</c>: the primary renewed a sliding entry.</summary>
    Touch = 2,

    /// <summary><c>[3]</c>: every entry removed.</summary>
    Clear = 3,
}
