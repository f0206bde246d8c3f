namespace ReplCache.Storage;

/// <summary>
/// What a node's replication state needs of its store to change role: the write lock every change is ordered by,
/// whether the store holds anything, and who decides deletions (a primary leads, a secondary follows).
/// </summary>
internal interface IStoreAuthority
{
    /// <summary>The lock every change of the store, and every role change, is taken under.</summary>
    Lock WriteLock { get; }

    /// <inheritdoc cref="CacheStore.PhysicalCount"/>
    int PhysicalCount { get; }

    /// <inheritdoc cref="CacheStore.Lead"/>
    void Lead(IStoreObserver observer);

    /// <inheritdoc cref="CacheStore.Follow"/>
    void Follow();
}
