using System.Diagnostics;

namespace ReplCache.Diagnostics;

/// <summary>
/// The <c>ReplCache</c> activity source and the spans ReplCache starts on it, each from the plain facts the caller has
/// (ids, addresses, counts): Diagnostics knows nothing of replication or storage. Remote work only — local reads and
/// writes never start a span, which is the volume other caches' users turn tracing off for. Tags follow
/// OpenTelemetry's database-client conventions where they fit.
/// </summary>
internal static class ReplCacheTracing
{
    public const string SystemName = "db.system.name";
    public const string ServerAddress = "server.address";
    public const string ServerPort = "server.port";
    public const string ClientAddress = "client.address";
    public const string OperationName = "db.operation.name";
    public const string ErrorType = "error.type";
    public const string ReplicationIdTag = "replcache.replication.id";
    public const string OffsetTag = "replcache.replication.offset";
    public const string WritesTag = "replcache.forward.writes";
    public const string PathTag = "replcache.snapshot.path";
    public const string EntriesTag = "replcache.snapshot.entries";

    /// <summary><c>db.system.name</c>: ReplCache is its own system (no well-known value names it).</summary>
    private const string System = "replcache";

    private static readonly ActivitySource Source = new(ReplCacheInstruments.ActivitySourceName, typeof(ReplCacheTracing).Assembly.GetName().Version?.ToString());

    /// <summary>True while some listener wants ReplCache's spans (the RESP door checks it before doing anything per command).</summary>
    public static bool HasListeners => Source.HasListeners();

    /// <summary>Primary: a sync served to <paramref name="replicaId"/> at <paramref name="peer"/>.</summary>
    public static TracedSpan SyncServed(bool full, string nodeId, string replicaId, string peer, string replicationId, long offset) =>
        Start(full ? ReplCacheSpans.FullSyncServe : ReplCacheSpans.PartialSyncServe, ActivityKind.Server, nodeId)
            .Tag(ClientAddress, peer)
            .Tag(ReplCacheInstruments.ReplicaTag, replicaId)
            .Tag(ReplicationIdTag, replicationId)
            .Tag(OffsetTag, offset);

    /// <summary>Secondary: a sync received from <paramref name="primary"/>, timed from the attempt's start.</summary>
    public static TracedSpan SyncReceived(bool full, string nodeId, Uri primary, string replicationId, long offset, DateTimeOffset attemptStarted) =>
        Start(full ? ReplCacheSpans.FullSyncReceive : ReplCacheSpans.PartialSyncReceive, ActivityKind.Client, nodeId, primary, attemptStarted)
            .Tag(ReplicationIdTag, replicationId)
            .Tag(OffsetTag, offset);

    /// <summary>Secondary: one batch of <paramref name="writes"/> forwarded writes sent to <paramref name="primary"/>.</summary>
    public static TracedSpan ForwardBatch(string nodeId, Uri primary, int writes) =>
        Start(ReplCacheSpans.ForwardBatch, ActivityKind.Client, nodeId, primary).Tag(WritesTag, writes);

    public static TracedSpan Snapshot(bool save, string nodeId, string path) =>
        Start(save ? ReplCacheSpans.SnapshotSave : ReplCacheSpans.SnapshotLoad, ActivityKind.Internal, nodeId).Tag(PathTag, path);

    /// <summary>REPLICAOF, REPLICAOF NO ONE and FAILOVER; <paramref name="peer"/> is the primary or the target, when named.</summary>
    public static TracedSpan Topology(string name, string nodeId, Uri? peer) =>
        Start(name, peer is null ? ActivityKind.Internal : ActivityKind.Client, nodeId, peer);

    /// <summary>A RESP command served to <paramref name="client"/>, named by the command as OpenTelemetry names database spans.</summary>
    public static TracedSpan RespCommand(string command, string nodeId, string? client) =>
        Start(command, ActivityKind.Server, nodeId).Tag(OperationName, command).Tag(ClientAddress, client);

    private static TracedSpan Start(string name, ActivityKind kind, string nodeId, Uri? server = null, DateTimeOffset startTime = default)
    {
        if (!Source.HasListeners())
        {
            return TracedSpan.None;
        }

        Activity? activity = Source.StartActivity(name, kind, parentContext: default, tags: null, links: null, startTime: startTime);
        if (activity is null)
        {
            return TracedSpan.None;
        }

        activity.SetTag(SystemName, System);
        activity.SetTag(ReplCacheInstruments.NodeTag, nodeId);
        if (server is not null)
        {
            activity.SetTag(ServerAddress, server.Host);
            activity.SetTag(ServerPort, server.Port);
        }

        return new TracedSpan(activity);
    }
}
