namespace ReplCache.Storage;

/// <summary>How a Redis <c>SET</c> depends on the key's current state.</summary>
internal enum SetCondition
{
    Always,

    /// <summary><c>NX</c>: only when the key does not exist.</summary>
    IfAbsent,

    /// <summary><c>XX</c>: only when the key exists.</summary>
    IfPresent,
}
