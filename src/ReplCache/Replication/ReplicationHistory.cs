namespace ReplCache.Replication;

/// <summary>
/// Which history a node's data belongs to, as Redis's PSYNC2 keeps it: the current replication id, and the
/// previous one with the offset up to which the two histories are the same.
/// </summary>
internal sealed record ReplicationHistory(string Id, string Id2, long SecondOffset)
{
    public static ReplicationHistory New() => new(ReplicationIds.NewId(), ReplicationInfo.NoReplicationId, -1);

    /// <summary>
    /// Whether a secondary holding history <paramref name="id"/> up to <paramref name="offset"/> bytes shares this
    /// history up to there: same id, or the previous id and not past the point where they forked. Redis compares
    /// <c>psync_offset &lt;= second_replid_offset</c> with 1-based offsets; ours count from 0, hence the +1.
    /// </summary>
    public bool Continues(string id, long offset) =>
        id == Id || (id == Id2 && Id2 != ReplicationInfo.NoReplicationId && offset + 1 <= SecondOffset);

    /// <summary>
    /// How many bytes of history <paramref name="id"/> (held up to <paramref name="offset"/>) this history shares:
    /// all of it where <see cref="Continues"/> holds, up to the fork where the previous id ran further, none of an
    /// unrelated id. A secondary that is sent a full resync discards the rest: writes its new primary never saw.
    /// </summary>
    public long SharedPrefix(string id, long offset)
    {
        if (offset <= 0)
        {
            return 0;
        }

        if (id == Id)
        {
            return offset;
        }

        return id == Id2 && Id2 != ReplicationInfo.NoReplicationId ? Math.Min(offset, SecondOffset - 1) : 0;
    }

    /// <summary>
    /// Redis's <c>shiftReplicationId</c>: a new history starts at <paramref name="offset"/>; the old id stays valid
    /// up to there, so nodes that followed the old history can continue with a partial resync.
    /// </summary>
    public ReplicationHistory Shift(string newId, long offset) => new(newId, Id, offset + 1);
}
