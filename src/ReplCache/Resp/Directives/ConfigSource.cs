namespace ReplCache.Resp.Directives;

/// <summary>
/// What <c>CONFIG GET</c> reads from the running node, and nothing more: every directive's
/// <see cref="Directive.Show"/> renders from these. Built in one place,
/// <see cref="ConfigParameters.SourceOf"/>, so a change in how the RESP endpoint reaches its node
/// rewires that one method.
/// </summary>
/// <param name="Options">The options the node started with.</param>
/// <param name="PrimaryAddress">The primary it follows now (REPLICAOF may have changed it since start); null on a primary.</param>
/// <param name="SavePoints">Every save point in force, the <see cref="ReplicatedCacheOptions.SnapshotInterval"/> pair included.</param>
/// <param name="HostSettings">
/// What the program hosting the node recorded by directive name, case-insensitively (pidfile, dir, ...); a value
/// here is what CONFIG GET shows for that name. Empty for a node embedded in an application.
/// </param>
/// <param name="RespPort">The port the RESP endpoint is bound to (port 0 resolved); 0 when it is not listening.</param>
internal sealed record ConfigSource(
    ReplicatedCacheOptions Options,
    Uri? PrimaryAddress,
    IReadOnlyList<SnapshotSavePoint> SavePoints,
    IReadOnlyDictionary<string, string> HostSettings,
    int RespPort);
