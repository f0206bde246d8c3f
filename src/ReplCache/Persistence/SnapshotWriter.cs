using System.Buffers;
using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;
using ReplCache.Backlog;
using ReplCache.Replication;
using ReplCache.Storage;

namespace ReplCache.Persistence;

/// <summary>
/// Writes a node's store to its snapshot file without stopping readers or writers: entries are walked as a full
/// sync walks them, and the log written meanwhile is appended, so the file describes one exact offset. The file
/// is written to a temporary name, flushed to disk and renamed over the old one: a crash at any moment leaves
/// either the old file or the new one, whole.
/// </summary>
internal static class SnapshotWriter
{
    private const int BufferBytes = 1 << 20;
    private const int RecordChunkBytes = 64 * 1024;

    public static async Task<SnapshotSummary> SaveAsync(CacheStore store, ReplicationLog log, ReplicationState state, string path, CancellationToken cancellationToken)
    {
        string full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        string temporary = full + ".tmp-" + Environment.ProcessId;
        LogCursor cursor;
        string replicationId;
        lock (store.WriteLock)
        {
            cursor = log.OpenCursorAtEnd();
            replicationId = state.History.Id;
        }

        using (cursor)
        {
            long start = cursor.Position;
            long entries = 0;
            long end;
            var hash = new XxHash64();
            await using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, BufferBytes, FileOptions.Asynchronous))
            {
                var output = new HashingWriter(file, hash);
                output.Write(SnapshotFormat.Magic);
                output.WriteUInt32(SnapshotFormat.Version);

                // Entries are walked in steps (each a read protection of its own, never held across the write to
                // disk), as a full sync walks them; every entry present throughout is in the file at least once.
                var records = new ArrayBufferWriter<byte>(RecordChunkBytes + 1024);
                ulong walk = 0;
                do
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    records.ResetWrittenCount();
                    var sink = new SetRecordSink(records, RecordChunkBytes, lengthPrefixed: true);
                    walk = store.Walk(walk, ref sink);
                    entries += sink.Entries;
                    output.Write(records.WrittenSpan);
                    if (output.Pending > BufferBytes)
                    {
                        await output.FlushAsync(cancellationToken).ConfigureAwait(false);
                    }
                }
                while (walk != 0);

                output.WriteUInt32(0);

                // The log written while the entries were read; read it up to an offset taken under the write
                // lock, so the file ends at a record boundary the node really passed through.
                lock (store.WriteLock)
                {
                    end = log.EndOffset;
                }

                if (cursor.Detached.IsCancellationRequested)
                {
                    throw new IOException("The snapshot fell behind the writers by more than ReplicaOutputLimitBytes: " + cursor.DetachReason);
                }

                output.WriteUInt32(checked((uint)(end - start)));
                byte[] chunk = ArrayPool<byte>.Shared.Rent(64 * 1024);
                try
                {
                    while (cursor.Position < end)
                    {
                        int read = cursor.Read(chunk.AsSpan(0, (int)Math.Min(chunk.Length, end - cursor.Position)));
                        output.Write(chunk.AsSpan(0, read));
                    }
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(chunk);
                }

                output.WriteHeaderAtEnd(state.NodeId, replicationId, start, end, store.Clock.NowMs(), entries);
                await output.FlushAsync(cancellationToken).ConfigureAwait(false);
                byte[] checksum = new byte[8];
                BinaryPrimitives.WriteUInt64LittleEndian(checksum, hash.GetCurrentHashAsUInt64());
                await file.WriteAsync(checksum, cancellationToken).ConfigureAwait(false);
                await file.FlushAsync(cancellationToken).ConfigureAwait(false);
                file.Flush(flushToDisk: true);
            }

            File.Move(temporary, full, overwrite: true);
            return new SnapshotSummary(full, replicationId, end, entries);
        }
    }

    /// <summary>Buffers output, feeding every byte to the checksum.</summary>
    private sealed class HashingWriter(Stream stream, XxHash64 hash)
    {
        private readonly ArrayBufferWriter<byte> _buffer = new(BufferBytes + 4096);

        public int Pending => _buffer.WrittenCount;

        public void Write(ReadOnlySpan<byte> bytes)
        {
            hash.Append(bytes);
            _buffer.Write(bytes);
        }

        public void WriteUInt32(uint value)
        {
            Span<byte> bytes = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32LittleEndian(bytes, value);
            Write(bytes);
        }

        public void WriteInt64(long value)
        {
            Span<byte> bytes = stackalloc byte[8];
            BinaryPrimitives.WriteInt64LittleEndian(bytes, value);
            Write(bytes);
        }

        public void WriteString(string value)
        {
            byte[] bytes = Encoding.UTF8.GetBytes(value);
            WriteUInt32((uint)bytes.Length);
            Write(bytes);
        }

        /// <summary>The identity and offsets, written last because the end offset is known last.</summary>
        public void WriteHeaderAtEnd(string nodeId, string replicationId, long start, long end, long savedAtMs, long entries)
        {
            WriteString(nodeId);
            WriteString(replicationId);
            WriteInt64(start);
            WriteInt64(end);
            WriteInt64(savedAtMs);
            WriteInt64(entries);
        }

        public async Task FlushAsync(CancellationToken cancellationToken)
        {
            await stream.WriteAsync(_buffer.WrittenMemory, cancellationToken).ConfigureAwait(false);
            _buffer.ResetWrittenCount();
        }
    }
}

/// <summary>What a save wrote.</summary>
internal sealed record SnapshotSummary(string Path, string ReplicationId, long Offset, long Entries);
