using System.Buffers;
using ReplCache.Backlog;
using ReplCache.Storage;

namespace ReplCache.Replication.Primary;

/// <summary>
/// Walks the live store without stopping writers and encodes it as chunks of Set records — the "fuzzy"
/// snapshot of a full sync. Each entry is seen at some recent state; the log from the sync's start offset,
/// streamed alongside, corrects every entry that changed meanwhile.
/// </summary>
/// <remarks>
/// Each chunk is one step of the store's resumable walk in memory order (<see cref="PageWalk"/>): every entry present
/// from the first chunk to the last is in some chunk, whatever the table does between them, and no chunk holds
/// the store's read protection while the sender waits on the network. In memory order rather than table order:
/// perf put a quarter of a million-key full sync's samples in the senders' walk in table order, a cache miss in the
/// slot array and another in the entry's page per entry.
/// </remarks>
internal sealed class SnapshotEncoder(CacheStore store)
{
    /// <summary>Chunks stay well under the 85 KB large-object threshold unless one entry is larger.</summary>
    public const int ChunkBytes = 48 * 1024;

    private readonly ArrayBufferWriter<byte> _chunk = new(ChunkBytes + 1024);
    private readonly PageWalk _walk = store.BeginPageWalk();

    public long EntriesWritten { get; private set; }

    /// <summary>The next chunk, or an empty span once the store has been walked. Valid until the next call.</summary>
    /// <exception cref="InvalidOperationException">The store began loading a full sync of its own (see <see cref="PageWalk"/>).</exception>
    public ReadOnlyMemory<byte> NextChunk()
    {
        _chunk.ResetWrittenCount();
        while (!_walk.IsDone && _chunk.WrittenCount < ChunkBytes)
        {
            var sink = new SetRecordSink(_chunk, ChunkBytes, lengthPrefixed: false);
            _walk.Step(ref sink);
            EntriesWritten += sink.Entries;
        }

        return _chunk.WrittenMemory;
    }
}
