using ReplCache.Backlog;
using ReplCache.Storage;

namespace ReplCache.Replication;

/// <summary>On a primary, turns every change of the store into a log record, in the store's own order.</summary>
internal sealed class LogAppender(ReplicationLog log) : IStoreObserver
{
    public void OnSet(Entry entry, long slidingDeadlineMs)
    {
        LogRecordWriter.WriteSet(log, entry, slidingDeadlineMs);
        log.Commit();
    }

    public void OnRemoved(ReadOnlySpan<byte> key, RemovalReason reason)
    {
        LogRecordWriter.WriteRemove(log, key);
        log.Commit();
    }

    public void OnTouched(ReadOnlySpan<byte> key, long deadline)
    {
        LogRecordWriter.WriteTouch(log, key, deadline);
        log.Commit();
    }

    public void OnCleared()
    {
        LogRecordWriter.WriteClear(log);
        log.Commit();
    }
}
