namespace ReplCache;

/// <summary>A node's role: Redis's <c>role:master</c> or <c>role:slave</c>.</summary>
public enum ReplicationRole
{
    /// <summary>Accepts writes and streams them to its secondaries.</summary>
    Primary,

    /// <summary>Applies the stream of a primary (or of another secondary, in a chain) and serves reads.</summary>
    Secondary,
}
