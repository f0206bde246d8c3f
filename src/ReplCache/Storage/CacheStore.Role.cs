namespace ReplCache.Storage;

internal sealed partial class CacheStore
{
    /// <summary>Authoritative, reporting every change to <paramref name="observer"/> (a primary).</summary>
    public void Lead(IStoreObserver observer)
    {
        lock (_writeLock)
        {
            IsAuthoritative = true;
            Observer = observer;
        }
    }

    /// <summary>Not authoritative, reporting nothing (a secondary).</summary>
    public void Follow()
    {
        lock (_writeLock)
        {
            Observer = null;
            IsAuthoritative = false;
        }
    }

    /// <summary>Runs <paramref name="load"/> under the write lock with nothing reported to the observer (loading a snapshot is not a change to replicate).</summary>
    public T LoadUnreported<T>(Func<T> load)
    {
        lock (_writeLock)
        {
            IStoreObserver? observer = Observer;
            Observer = null;
            try
            {
                return load();
            }
            finally
            {
                Observer = observer;
            }
        }
    }
}
