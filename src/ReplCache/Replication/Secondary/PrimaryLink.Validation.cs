using ReplCache.Protocol;

namespace ReplCache.Replication.Secondary;

/// <summary>
/// What a secondary checks of its primary before acting on a message: a primary that sends something no real
/// primary sends (a broken peer, a wrong address, an attacker) is disconnected with the reason, and nothing of it
/// is applied. Records themselves are checked as they are decoded (<see cref="StreamApplier"/>).
/// </summary>
internal sealed partial class PrimaryLink
{
    /// <summary>A chain longer than this is no real topology (Redis has no limit; a thousand hops is absurd already).</summary>
    internal const int MaxUpstreamNodes = 1000;

    /// <summary>
    /// The most entries a FULLRESYNC's estimate makes the store reserve room for up front (about 32 MB of table). The
    /// estimate is a claim, not data: trusting it up to 2^28 let one message make a secondary allocate 8 GB.
    /// Beyond this, the table grows as entries actually arrive.
    /// </summary>
    internal const long MaxReservedEntries = 1L << 20;

    /// <summary>FULLRESYNC: a well-formed id and an offset a log can start at.</summary>
    private static void CheckFullResync(FullResync offer)
    {
        if (!ReplicationIds.IsValid(offer.ReplicationId))
        {
            throw new InvalidDataException($"The primary offered a full resync with a malformed replication id ({Quote(offer.ReplicationId)}).");
        }

        if (offer.Offset < 0)
        {
            throw new InvalidDataException($"The primary offered a full resync from a negative offset ({offer.Offset}).");
        }
    }

    /// <summary>
    /// CONTINUE: only an answer to a request to continue, for exactly the offset asked. The id may differ from the
    /// one asked (a promoted primary continues its old history under a new id, PSYNC2), so it is checked for shape only.
    /// </summary>
    private static void CheckContinue(Continue answer, string askedId, long askedOffset)
    {
        if (askedOffset < 0)
        {
            throw new InvalidDataException($"The primary answered CONTINUE ({Quote(answer.ReplicationId)}) to a request for a full resync.");
        }

        if (!ReplicationIds.IsValid(answer.ReplicationId))
        {
            throw new InvalidDataException($"The primary answered CONTINUE with a malformed replication id ({Quote(answer.ReplicationId)}), asked {askedId}.");
        }

        if (answer.Offset != askedOffset)
        {
            throw new InvalidDataException($"The primary answered CONTINUE from offset {answer.Offset}, but this node asked to continue from {askedOffset}.");
        }
    }

    /// <summary>The messages that are only valid in some phase of the stream, checked before they act.</summary>
    private void CheckInPhase(PrimaryMessage message)
    {
        switch (message.KindCase)
        {
            case PrimaryMessage.KindOneofCase.SnapshotEnd when !_applier.InSnapshot:
                throw new InvalidDataException("The primary sent SnapshotEnd outside a full sync.");
            case PrimaryMessage.KindOneofCase.Topology when message.Topology.UpstreamNodeIds.Count > MaxUpstreamNodes
                || message.Topology.UpstreamNodeIds.Any(id => id.Length is 0 or > 64):
                throw new InvalidDataException($"The primary sent a topology of {message.Topology.UpstreamNodeIds.Count} node ids, too many or malformed.");
        }
    }

    private static string Quote(string text) => text.Length <= 64 ? $"'{text}'" : $"'{text[..64]}...' ({text.Length} characters)";
}
