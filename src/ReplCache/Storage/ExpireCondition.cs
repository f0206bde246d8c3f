namespace ReplCache.Storage;

/// <summary>The conditions of Redis 7's <c>EXPIRE key n [NX|XX|GT|LT]</c>.</summary>
[Flags]
internal enum ExpireCondition
{
    None = 0,

    /// <summary>Only when the key has no expiry.</summary>
    IfNoExpiry = 1,

    /// <summary>Only when the key has an expiry.</summary>
    IfHasExpiry = 2,

    /// <summary>Only when the new expiry is later than the current one (no expiry counts as infinitely late).</summary>
    IfLater = 4,

    /// <summary>Only when the new expiry is earlier than the current one.</summary>
    IfEarlier = 8,
}
