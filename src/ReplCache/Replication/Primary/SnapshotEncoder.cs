using System.Buffers;
using ReplCache.Backlog;
using ReplCache.Storage;

namespace ReplCache.Replication.Primary;

/// <summary>
/// Walks the live store without stopping writers and encodes it as chunks of Set records — the "fuzzy"
/// snapshot of a full sync. Each entry is seen at some recent state; the log from the sync's start offset,
/// streamed alongside, corrects every entry that changed meanwhile.
/// </summary>
internal sealed class SnapshotEncoder(CacheStore store) : IDisposable
{
    /// <summary>Chunks stay well under the 85 KB large-object threshold unless one entry is larger.</summary>
    public const int ChunkBytes = 48 * 1024;

    private readonly IEnumerator<byte[]> _entries = store.EnumerateLive(store.Clock.NowMs()).GetEnumerator();
    private readonly ArrayBufferWriter<byte> _chunk = new(ChunkBytes + 1024);

    public long EntriesWritten { get; private set; }

    /// <summary>The next chunk, or an empty span once the store has been walked. Valid until the next call.</summary>
    public ReadOnlyMemory<byte> NextChunk()
    {
        _chunk.ResetWrittenCount();
        while (_chunk.WrittenCount < ChunkBytes && _entries.MoveNext())
        {
            byte[] entry = _entries.Current;
            long deadline = EntryLayout.SlidingMs(entry) == 0 ? 0 : Math.Max(EntryLayout.SlidingDeadlineMs(entry), EntryLayout.LoggedDeadlineMs(entry));
            LogRecordWriter.WriteSet(_chunk, entry, deadline);
            EntriesWritten++;
        }

        return _chunk.WrittenMemory;
    }

    public void Dispose() => _entries.Dispose();
}
