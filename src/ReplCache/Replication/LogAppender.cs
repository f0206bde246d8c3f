using ReplCache.Backlog;
using ReplCache.Storage;

namespace ReplCache.Replication;

/// <summary>On a primary, turns every change of the store into a log record, in the store's own order.</summary>
internal sealed class LogAppender(ReplicationLog log) : IStoreObserver
{
    public void OnSet(byte[] entry)
    {
        LogRecordWriter.WriteSet(log, entry, EntryLayout.LoggedDeadlineMs(entry));
        log.Commit();
    }

    public void OnRemoved(ReadOnlySpan<byte> key, RemovalReason reason)
    {
        LogRecordWriter.WriteRemove(log, key);
        log.Commit();
    }

    public void OnTouched(byte[] entry, long deadline)
    {
        LogRecordWriter.WriteTouch(log, EntryLayout.Key(entry), deadline);
        log.Commit();
    }

    public void OnCleared()
    {
        LogRecordWriter.WriteClear(log);
        log.Commit();
    }
}
