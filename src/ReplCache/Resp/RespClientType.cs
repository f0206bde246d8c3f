namespace ReplCache.Resp;

/// <summary>
/// What <c>CLIENT KILL TYPE</c> tells apart (Redis's <c>getClientType</c>). Redis's <c>master</c> and
/// <c>replica</c> clients are replication links; ReplCache replicates over gRPC, not over RESP, so no RESP
/// connection is of either type and those filters match nothing.
/// </summary>
internal enum RespClientType
{
    Normal,

    /// <summary>Subscribed to at least one channel or pattern.</summary>
    PubSub,

    Master,

    Replica,
}
