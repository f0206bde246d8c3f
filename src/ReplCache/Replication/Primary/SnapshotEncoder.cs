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
/// Each chunk is one step of the store's resumable walk (<see cref="CacheStore.Walk{TSink}"/>): every entry present
/// from the first chunk to the last is in some chunk, whatever the table does between them, and no chunk holds
/// the store's read protection while the sender waits on the network.
/// </remarks>
internal sealed class SnapshotEncoder(CacheStore store)
{
    /// <summary>Chunks stay well under the 85 KB large-object threshold unless one entry is larger.</summary>
    public const int ChunkBytes = 48 * 1024;

    private readonly ArrayBufferWriter<byte> _chunk = new(ChunkBytes + 1024);
    private ulong _cursor;
    private bool _done;

    public long EntriesWritten { get; private set; }

    /// <summary>The next chunk, or an empty span once the store has been walked. Valid until the next call.</summary>
    public ReadOnlyMemory<byte> NextChunk()
    {
        _chunk.ResetWrittenCount();
        while (!_done && _chunk.WrittenCount < ChunkBytes)
        {
            var sink = new SetRecordSink(_chunk, ChunkBytes, lengthPrefixed: false);
            _cursor = store.Walk(_cursor, ref sink);
            EntriesWritten += sink.Entries;
            _done = _cursor == 0;
        }

        return _chunk.WrittenMemory;
    }
}
