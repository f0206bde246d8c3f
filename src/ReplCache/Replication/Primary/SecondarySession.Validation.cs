using Google.Protobuf;
using ReplCache.Protocol;

namespace ReplCache.Replication.Primary;

/// <summary>
/// What a primary checks of a secondary's messages: an acknowledgement of bytes never sent would make WAIT and
/// min-replicas-to-write count a copy that does not exist, so a secondary that sends one is disconnected, with the
/// reason logged, rather than believed.
/// </summary>
internal sealed partial class SecondarySession
{
    /// <returns>Why the acknowledgement is impossible, or null when it is plausible.</returns>
    private string? CheckAck(ConnectedReplica replica, long offset)
    {
        long end = log.EndOffset;
        if (offset < -1)
        {
            return $"the secondary acknowledged a negative offset ({offset})";
        }

        if (offset > end)
        {
            // The log only grows while a session runs, so no secondary can have applied past its end.
            return $"the secondary acknowledged offset {offset}, beyond everything this node has written ({end})";
        }

        if (offset >= 0 && offset < replica.AckedOffset)
        {
            return $"the secondary acknowledged offset {offset} after {replica.AckedOffset}: acknowledgements never go back";
        }

        return null;
    }

    /// <returns>Why the touches are malformed, or null when every key could be a key of this node.</returns>
    private string? CheckTouches(Touches touches)
    {
        int limit = store.Limits.MaxKeyBytes;
        foreach (ByteString key in touches.Keys)
        {
            if (key.Length > limit)
            {
                return $"the secondary sent a touch of a {key.Length}-byte key; MaxKeyBytes is {limit}";
            }
        }

        return null;
    }
}
