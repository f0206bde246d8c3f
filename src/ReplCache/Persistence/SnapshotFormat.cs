namespace ReplCache.Persistence;

/// <summary>
/// The snapshot file, version 1. All integers little-endian.
/// <code>
/// magic        8 bytes  "RCSNAP\r\n"
/// version      u32      1
/// entries      repeated: u32 length (non-zero) + one Set log record (MessagePack); a u32 0 ends them
/// log tail     u32 length + the replication log from the start offset to the end offset
/// identity     node id, replication id (u32 length + UTF-8 each), i64 start offset, i64 end offset,
///              i64 saved-at (unix ms), i64 entry count — last, because the end offset is known last
/// checksum     u64 XxHash64 of every byte before it
/// </code>
/// Entries are read while writers run (a fuzzy snapshot, as a full sync reads them); the log written during the
/// read is stored after them. Records state full values, so replaying that tail over the entries gives exactly the
/// state at the end offset — the offset the file claims.
/// </summary>
internal static class SnapshotFormat
{
    public const uint Version = 1;

    public static ReadOnlySpan<byte> Magic => "RCSNAP\r\n"u8;

    /// <summary>Upper bound of one entry or header field; anything larger is corruption, not data.</summary>
    public const int MaxFieldBytes = int.MaxValue - 64;
}
