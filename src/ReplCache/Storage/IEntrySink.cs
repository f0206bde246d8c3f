namespace ReplCache.Storage;

/// <summary>Receives the live entries of a walk over the store (<see cref="CacheStore.Walk{TSink}"/>), inside the walk's read protection.</summary>
/// <remarks>A struct sink is called without a virtual call; an entry is valid only during <see cref="Accept"/>.</remarks>
internal interface IEntrySink
{
    /// <summary>Takes one live entry: copy or encode what must outlive the call.</summary>
    void Accept(Entry entry);

    /// <summary>True once the sink has taken enough for this step; the walk stops at the next home slot.</summary>
    bool IsFull { get; }
}
