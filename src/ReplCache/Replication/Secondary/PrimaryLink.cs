using System.Diagnostics;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.Logging;
using ReplCache.Backlog;
using ReplCache.Protocol;
using ReplCache.Diagnostics;
using ReplCache.Storage;
using ReplCache.Tls;

namespace ReplCache.Replication.Secondary;

/// <summary>
/// A secondary's link to its primary: connect, PSYNC, apply the stream, acknowledge — and when the link
/// breaks, keep the data, report Down, and reconnect with capped exponential backoff and jitter, asking to
/// continue from where it stopped.
/// </summary>
internal sealed partial class PrimaryLink : IAsyncDisposable
{
    /// <summary>Retry delays grow from this...</summary>
    internal static readonly TimeSpan FirstRetryDelay = TimeSpan.FromMilliseconds(50);

    /// <summary>...to at most this (Redis retries about once a second).</summary>
    internal static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(2);

    private readonly ReplicationState _state;
    private readonly IReplicaStore _store;
    private readonly ReplicationLog _log;
    private readonly TlsContext _tls;
    private readonly ReplCacheMetrics _metrics;
    private readonly ReplicatedCacheOptions _options;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly StreamApplier _applier;

    /// <summary>Whether the current attempt got as far as Up, however it ended: the retry backoff restarts after such an attempt.</summary>
    private bool _upThisAttempt;

    /// <summary>Set by <see cref="AcknowledgeNow"/>, taken by the acknowledgement writer; woken through <see cref="_acknowledgementWanted"/>.</summary>
    private int _acknowledgeNow;
    private readonly AsyncSignal _acknowledgementWanted = new();

    private int _failures;
    private Task _run = Task.CompletedTask;
    private long _lastIoTimestamp;
    private long _downSinceTimestamp;
    private volatile PrimaryLinkStatus _status = PrimaryLinkStatus.Connecting;

    /// <summary>
    /// FAILOVER: the first handshake hands this node's former role to the primary it links to; completed with null
    /// when that node answers as a primary, or with why not. Null on an ordinary link.
    /// </summary>
    private readonly TaskCompletionSource<string?>? _handover;

    /// <summary>
    /// The link's own thread: its acknowledgements, heartbeats, forwarding, timeouts and retries wait here, so a host
    /// that blocks its thread pool stalls none of them. (The stream itself is read on its connection's thread.)
    /// </summary>
    private readonly LoopThread _loop;

    /// <summary>
    /// Set once this primary answered a gRPC-Web (HTTP/1.1) link as an endpoint without it does: an ASP.NET Core
    /// app's own endpoint (MapReplicatedCache), or an older node. Links to it then use Sync over HTTP/2, which the
    /// host's thread pool carries.
    /// </summary>
    private volatile bool _overHttp2;

    public PrimaryLink(
        Uri primary,
        ReplicationState state,
        IReplicaStore store,
        ReplicationLog log,
        AppliedKeys appliedKeys,
        ReplicatedCacheOptions options,
        TlsContext tls,
        ReplCacheMetrics metrics,
        ILoggerFactory loggerFactory,
        TaskCompletionSource<string?>? handover = null)
    {
        Primary = primary;
        _handover = handover;
        _state = state;
        _store = store;
        _log = log;
        _options = options;
        _tls = tls;
        _metrics = metrics;
        _logger = loggerFactory.CreateLogger("ReplCache.Secondary");
        _applier = new StreamApplier(store, log, appliedKeys);
        _downSinceTimestamp = Stopwatch.GetTimestamp();
        Forwarder = new WriteForwarder(log, primary, options, state.NodeId, _logger);
        _loop = new LoopThread($"ReplCache link to {primary.Authority}");
    }

    /// <summary>Keys of touches per message: a busy secondary's touches never make a message the primary refuses.</summary>
    private const int TouchesMessageBytes = 1024 * 1024;

    public Uri Primary { get; }

    public PrimaryLinkStatus Status => _status;

    /// <summary>Sliding renewals made by reads here, told to the primary every heartbeat.</summary>
    public RenewalForwarder Renewals { get; } = new();

    /// <summary>Writes made here with <see cref="ReplicaWriteMode.ForwardToPrimary"/>, on their way to the primary.</summary>
    public WriteForwarder Forwarder { get; }

    /// <summary>Whether the primary of the current connection answers forwarded writes (said in its handshake reply).</summary>
    private bool _primaryAcceptsForwarding;

    /// <summary>Time since anything was last heard from the primary; null before the first contact.</summary>
    public TimeSpan? SinceLastIo => Volatile.Read(ref _lastIoTimestamp) is var t and not 0 ? Stopwatch.GetElapsedTime(t) : null;

    /// <summary>How long the link has been down; null while it is up or syncing.</summary>
    public TimeSpan? DownFor => _status is PrimaryLinkStatus.Up or PrimaryLinkStatus.Syncing ? null : Stopwatch.GetElapsedTime(Volatile.Read(ref _downSinceTimestamp));

    public string? DownReason { get; private set; }

    private string? _wentDownBecause;

    /// <summary>The certificate check of the current connection attempt (https:// primaries).</summary>
    private PeerCertificateCheck? _peerCheck;
    private string? _lastLoggedDownReason;

    public void Start() => _run = Task.Run(() => RunAsync(_stop.Token));

    /// <summary>Asks the link to stop without waiting for it (see <see cref="DisposeAsync"/> to wait).</summary>
    public void Stop() => _stop.Cancel();

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _run.ConfigureAwait(false);
        _stop.Dispose();
        _loop.Dispose();
    }

    /// <summary>Attempts in a row that ended before the link was up (the retry backoff grows with them); 1 after an attempt that was up.</summary>
    internal int ConsecutiveFailures => Volatile.Read(ref _failures);

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            string reason;
            bool reachedUp = false;
            try
            {
                reachedUp = await SyncOnceAsync(cancellationToken).ConfigureAwait(false);
                reason = "the primary ended the stream";
            }
            catch (Exception ex) when (cancellationToken.IsCancellationRequested
                && ex is OperationCanceledException or RpcException or IOException or HttpRequestException or InvalidOperationException)
            {
                // Stopped on purpose (disposal, REPLICAOF elsewhere, promotion): however the transport words the
                // cancelled call, it is not a link failure to warn about.
                break;
            }
            catch (RpcException ex)
            {
                reason = $"{ex.StatusCode}: {ex.Status.Detail}";
            }
            catch (Exception ex) when (ex is InvalidDataException or IOException or InvalidOperationException or HttpRequestException or OperationCanceledException)
            {
                reason = ex.Message;
            }

            if (_peerCheck?.Rejection is { } refused)
            {
                // The transport only says the TLS connection could not be established; this says why.
                reason = $"TLS: the primary's certificate was refused: {refused}";
            }
            else if (!reachedUp && Primary.Scheme == Uri.UriSchemeHttps && _tls.Certificate is null
                && !reason.Contains("Connection refused", StringComparison.OrdinalIgnoreCase))
            {
                // Under TLS 1.3 a primary refuses a missing client certificate after the client's handshake has
                // completed, so all this side sees is a connection closed or reset before HTTP/2 could start.
                reason += " (this node has no TLS certificate to present: if the primary requires client certificates, it closes the connection so; set Tls.CertificatePath)";
            }

            // A handover refused or unanswered is FAILOVER's to roll back; the link keeps retrying until it does.
            _handover?.TrySetResult(reason);
            Forwarder.Close(reason);
            MarkDown(reason, logIt: true);
            // A link that was up and then broke (a cut, a reset: an exception, not an ended stream) starts the
            // backoff over too; only attempts that never got up make it grow.
            Volatile.Write(ref _failures, reachedUp || _upThisAttempt ? 1 : _failures + 1);
            try
            {
                await _loop.DelayAsync(RetryDelay(_failures), cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        _handover?.TrySetResult("replication from this primary was stopped");
        Forwarder.Close("replication from this primary was stopped");
        MarkDown("replication from this primary was stopped", logIt: false);
    }

    /// <summary>Capped exponential backoff with full jitter, so many secondaries do not reconnect in lockstep.</summary>
    internal static TimeSpan RetryDelay(int failures)
    {
        double ceiling = Math.Min(MaxRetryDelay.TotalMilliseconds, FirstRetryDelay.TotalMilliseconds * Math.Pow(2, Math.Min(failures - 1, 16)));
        return TimeSpan.FromMilliseconds(ceiling / 2 + Random.Shared.NextDouble() * ceiling / 2);
    }

    /// <returns>True when the link got as far as Up before it ended.</returns>
    private async Task<bool> SyncOnceAsync(CancellationToken cancellationToken)
    {
        _upThisAttempt = false;
        _status = PrimaryLinkStatus.Connecting;
        CutReason = null;
        DateTimeOffset attemptStarted = DateTimeOffset.UtcNow; // a sync's span covers connecting and the handshake too
        _applier.DropCarry();
        using var link = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        PeerCertificateCheck check = _peerCheck = new PeerCertificateCheck();
        bool overHttp2 = _overHttp2 || !_options.ThreadPoolIndependentLinks;
        using GrpcChannel channel = overHttp2 ? ReplicationChannel.Create(Primary, _options, _tls, check) : ReplicationChannel.CreateOwnedThreads(Primary, _options, _tls, check);
        var client = new Protocol.Replication.ReplicationClient(channel);

        // The Follow call has a channel of its own, so its connection carries the stream and nothing else: only then
        // may its reader thread read inline (see OwnedThreadStream), since no request of another call can ever wait
        // behind a read of it.
        using GrpcChannel? followChannel = overHttp2 ? null : ReplicationChannel.CreateOwnedThreads(Primary, _options, _tls, check, readsInline: true);
        string? presentedToken = _options.AuthToken;
        Metadata? headers = AuthToken.Headers(presentedToken);

        (string id, long offset) = _state.PsyncRequest();
        var hello = new Hello
        {
            NodeId = _state.NodeId,
            AnnounceAddress = (_options.AnnounceAddress ?? _state.AdvertisedAddress)?.ToString() ?? "",
            ReplicationId = id,
            NextOffset = offset,
            ProtocolVersion = 1,
            RespPort = _state.RespPort,
            Failover = _handover is { Task.IsCompleted: false },
        };
        IUpstreamWriter requests;
        IAsyncStreamReader<PrimaryMessage> stream;
        using IDisposable call = overHttp2 ? StartSync(client, headers, link.Token, out requests, out stream) : StartFollow(new Protocol.Replication.ReplicationClient(followChannel!), client, presentedToken, hello, link, out requests, out stream);
        if (overHttp2)
        {
            await requests.WriteAsync(new SecondaryMessage { Hello = hello }, link.Token).ConfigureAwait(false);
        }

        // As Redis's repl-timeout during the handshake: a primary that accepts the connection and never answers is given
        // up on (over HTTP/2 its keep-alive pings would notice; HTTP/1.1 has none).
        var handshake = CancellationTokenSource.CreateLinkedTokenSource(link.Token);
        handshake.CancelAfter(_options.ReplicationTimeout);
        try
        {
            if (!await stream.MoveNext(handshake.Token).ConfigureAwait(false))
            {
                throw new InvalidDataException("The primary closed the stream during the handshake.");
            }
        }
        catch (Exception ex) when (handshake.IsCancellationRequested && !link.IsCancellationRequested && ex is OperationCanceledException or RpcException)
        {
            throw new IOException($"the primary did not answer the handshake within {_options.ReplicationTimeout.TotalSeconds:F1} s (ReplicationTimeout)", ex);
        }
        catch (RpcException ex) when (!overHttp2 && !link.IsCancellationRequested && check.Rejection is null && AnsweredAsHttp2Only(ex))
        {
            _overHttp2 = true;
            Log.FallingBackToHttp2(_logger, _state.NodeId, _state.Role, _state.History.Id, _log.EndOffset, Primary, ex.Status.Detail);
            throw;
        }
        finally
        {
            handshake.Dispose(); // its deadline is the handshake's only, not the stream's
        }

        Heard();
        PrimaryMessage first = stream.Current;
        _handover?.TrySetResult(null); // answered as a primary: the handover happened, whatever kind of sync follows
        switch (first.KindCase)
        {
            case PrimaryMessage.KindOneofCase.FullResync:
                CheckFullResync(first.FullResync);
                _emptyPrimary.Check(first.FullResync, id, _store.PhysicalCount, Primary, _options.AcceptEmptyPrimary);
                _primaryAcceptsForwarding = first.FullResync.AcceptsForwardedWrites;
                if (first.FullResync.HasSharedOffset && offset > first.FullResync.SharedOffset)
                {
                    // A returning old primary (or a secondary that followed one past the fork): what it holds beyond
                    // the shared prefix are writes its new primary never saw, and the full resync drops them.
                    Log.HistoryDiscarded(_logger, _state.NodeId, _state.Role, id, offset, Primary, offset - first.FullResync.SharedOffset, first.FullResync.SharedOffset);
                }

                // Loaded aside: the node serves its old data, and keeps its old history, until the snapshot ends.
                _fullSyncId = first.FullResync.ReplicationId;
                _applier.BeginFullSync(first.FullResync.Offset);
                long fullSyncStart = first.FullResync.Offset;
                _store.Reserve(Math.Clamp(first.FullResync.EntryCountEstimate, 0, MaxReservedEntries));
                _status = PrimaryLinkStatus.Syncing;
                _receiving = ReplCacheTracing.SyncReceived(full: true, _state.NodeId, Primary, first.FullResync.ReplicationId, fullSyncStart, attemptStarted);
                Log.FullResyncStarted(_logger, _state.NodeId, _state.Role, first.FullResync.ReplicationId, first.FullResync.Offset, Primary, first.FullResync.EntryCountEstimate);
                break;
            case PrimaryMessage.KindOneofCase.Continue:
                CheckContinue(first.Continue, id, offset);
                _primaryAcceptsForwarding = first.Continue.AcceptsForwardedWrites;
                _state.AdoptContinue(first.Continue.ReplicationId);
                using (TracedSpan partial = ReplCacheTracing.SyncReceived(full: false, _state.NodeId, Primary, first.Continue.ReplicationId, offset, attemptStarted))
                {
                    partial.Succeed();
                }

                LinkUp("partial resync accepted");
                break;
            default:
                throw new InvalidDataException($"The primary answered the handshake with {first.KindCase}, not FullResync or Continue.");
        }

        (requests as ReportWriter)?.OpenConnections();
        Task writer = WriteAcknowledgementsAsync(requests, link.Token);
        Task forwarding = Forwarder.SendAsync(requests, _loop, link.Token);
        Task watchdog = WatchAsync(link);
        try
        {
            while (await stream.MoveNext(link.Token).ConfigureAwait(false))
            {
                Heard();
                Handle(stream.Current);
            }
        }
        catch (Exception ex) when (link.IsCancellationRequested && !cancellationToken.IsCancellationRequested && CutReason is { } timeout)
        {
            // The watchdog (or a failed Report) cancelled the call; gRPC reports that as a plain cancellation, so say why.
            throw new IOException(timeout, ex);
        }
        finally
        {
            AbandonFullSync();
            _receiving?.Dispose(); // a full sync the stream broke off is an error span; a completed one ended already
            _receiving = null;
            await link.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(writer, forwarding, watchdog).ConfigureAwait(false);
        }

        return _status == PrimaryLinkStatus.Up;
    }

    /// <summary>Why this side cut the link: the primary fell silent, or its Report calls failed.</summary>
    private string? CutReason { get; set; }

    private static AsyncDuplexStreamingCall<SecondaryMessage, PrimaryMessage> StartSync(
        Protocol.Replication.ReplicationClient client, Metadata? headers, CancellationToken cancellationToken, out IUpstreamWriter requests, out IAsyncStreamReader<PrimaryMessage> stream)
    {
        AsyncDuplexStreamingCall<SecondaryMessage, PrimaryMessage> call = client.Sync(headers, cancellationToken: cancellationToken);
        requests = new RequestStreamWriter(call.RequestStream);
        stream = call.ResponseStream;
        return call;
    }

    /// <summary>A Follow call; a Report that fails cuts it, since the stream alone would not say that the upstream broke.</summary>
    private AsyncServerStreamingCall<PrimaryMessage> StartFollow(
        Protocol.Replication.ReplicationClient followClient, Protocol.Replication.ReplicationClient client, string? presentedToken, Hello hello, CancellationTokenSource link,
        out IUpstreamWriter requests, out IAsyncStreamReader<PrimaryMessage> stream)
    {
        hello.LinkId = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
        AsyncServerStreamingCall<PrimaryMessage> call = followClient.Follow(hello, AuthToken.Headers(presentedToken), cancellationToken: link.Token);
        requests = new ReportWriter(client, hello.LinkId, presentedToken, () => _options.AuthToken, link.Token, failed: ex =>
        {
            // A Report of a link already ended (this attempt's link is cancelled before it is disposed) says nothing
            // about the next attempt, whose cut reason this would otherwise overwrite.
            if (link.IsCancellationRequested)
            {
                return;
            }

            CutReason ??= "reporting to the primary failed: " + (ex is RpcException rpc ? $"{rpc.StatusCode}: {rpc.Status.Detail}" : ex.Message);
            link.Cancel();
        });
        stream = call.ResponseStream;
        return call;
    }

    /// <summary>
    /// Whether a Follow call failed as an endpoint without gRPC-Web fails it: an HTTP/2-only endpoint answers HTTP/1.1
    /// with 400 (Internal) or closes (Unavailable, the response ended or was not HTTP/1.1), an app without gRPC-Web
    /// with 415 or 426 (Internal or Unknown), an older node with Unimplemented. A refused connection is not one: the
    /// primary is down, and the next attempt tries HTTP/1.1 again.
    /// </summary>
    private static bool AnsweredAsHttp2Only(RpcException ex) =>
        ex.StatusCode is StatusCode.Internal or StatusCode.Unknown or StatusCode.Unimplemented
        || (ex.StatusCode == StatusCode.Unavailable && ex.Status.DebugException is HttpRequestException
        {
            HttpRequestError: HttpRequestError.InvalidResponse or HttpRequestError.ResponseEnded or HttpRequestError.HttpProtocolError or HttpRequestError.VersionNegotiationError,
        });

    /// <summary>The replication id the full sync in progress adopts when its snapshot ends.</summary>
    private string? _fullSyncId;

    /// <summary>The stream ended in the middle of a full sync: what was loaded aside goes, the old data and history stay.</summary>
    private void AbandonFullSync()
    {
        int dropped = _applier.AbandonFullSync();
        if (dropped >= 0)
        {
            Log.FullResyncAbandoned(_logger, _state.NodeId, _state.Role, _state.History.Id, _log.EndOffset, Primary, dropped, _store.PhysicalCount);
        }
    }

    /// <summary>The span of the full sync in progress on this connection; null when none is.</summary>
    private TracedSpan? _receiving;

    /// <summary>The guard against a full resync of nothing from a primary that lost its data.</summary>
    private readonly EmptyPrimaryGuard _emptyPrimary = new();

    /// <inheritdoc cref="EmptyPrimaryGuard.AcceptOnce"/>
    public bool AcceptEmptyPrimaryOnce() => _emptyPrimary.AcceptOnce();

    private void Handle(PrimaryMessage message)
    {
        CheckInPhase(message);
        _metrics.CountReceived(PayloadBytes(message));
        switch (message.KindCase)
        {
            case PrimaryMessage.KindOneofCase.Records:
                _applier.ApplyRecords(message.Records.StartOffset, message.Records.Payload.Memory);
                Forwarder.OnApplied(_log.EndOffset);
                break;
            case PrimaryMessage.KindOneofCase.ForwardedResults:
                Forwarder.OnResults(message.ForwardedResults);
                break;
            case PrimaryMessage.KindOneofCase.SnapshotChunk:
                _applier.ApplySnapshot(message.SnapshotChunk.Payload.Memory);
                break;
            case PrimaryMessage.KindOneofCase.SnapshotEnd:
                _state.CompleteFullResync(_fullSyncId!, _applier.EndSnapshot);
                _receiving?.Tag(ReplCacheTracing.EntriesTag, message.SnapshotEnd.EntryCount).Complete();
                Log.FullResyncCompleted(_logger, _state.NodeId, _state.Role, _state.History.Id, _log.EndOffset, Primary, message.SnapshotEnd.EntryCount, _store.SizeBytes);
                LinkUp("full resync completed");
                break;
            case PrimaryMessage.KindOneofCase.Heartbeat:
                if (message.Heartbeat.Reply)
                {
                    AcknowledgeNow(); // everything before this message is applied: the acknowledgement covers it
                }

                break;
            case PrimaryMessage.KindOneofCase.Topology:
                _state.SetUpstream(message.Topology.UpstreamNodeIds);
                break;
            default:
                throw new InvalidDataException($"The primary sent an unexpected {message.KindCase} message.");
        }
    }

    /// <summary>The replication payload a message carries: log and snapshot bytes, what the received-bytes figure counts.</summary>
    private static long PayloadBytes(PrimaryMessage message) => message.KindCase switch
    {
        PrimaryMessage.KindOneofCase.Records => message.Records.Payload.Length,
        PrimaryMessage.KindOneofCase.SnapshotChunk => message.SnapshotChunk.Payload.Length,
        _ => 0,
    };

    /// <summary>
    /// Acknowledges the applied offset every heartbeat, when the link comes up and when the primary asks (Redis's
    /// REPLCONF ACK and GETACK); forwards touches.
    /// </summary>
    /// <remarks>
    /// Not for every batch applied: each acknowledgement is a Report call on HTTP/1.1 links, and at 10,000 writes/s
    /// acknowledging every batch cost about 40 µs of CPU per write on the two nodes and doubled the replication lag
    /// (measured on 2 cores). A primary that needs an acknowledgement sooner asks for it, after the stream it wants
    /// acknowledged.
    /// </remarks>
    private async Task WriteAcknowledgementsAsync(IUpstreamWriter requests, CancellationToken cancellationToken)
    {
        long lastHeartbeat = Stopwatch.GetTimestamp();
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                bool heartbeatDue = Stopwatch.GetElapsedTime(lastHeartbeat) >= _options.HeartbeatInterval;
                bool asked = Interlocked.Exchange(ref _acknowledgeNow, 0) != 0;
                long applied = _log.EndOffset;
                if (_status == PrimaryLinkStatus.Up && (asked || heartbeatDue))
                {
                    await requests.WriteAsync(new SecondaryMessage { Ack = new Ack { Offset = applied } }, cancellationToken).ConfigureAwait(false);
                }
                else if (heartbeatDue)
                {
                    // Still loading a snapshot: nothing to acknowledge yet (WAIT must not count us), but the primary
                    // has to hear that we are alive, or it would time us out in the middle of a long full sync.
                    await requests.WriteAsync(new SecondaryMessage { Ack = new Ack { Offset = -1 } }, cancellationToken).ConfigureAwait(false);
                }

                if (heartbeatDue)
                {
                    lastHeartbeat = Stopwatch.GetTimestamp();
                    if (Renewals.Drain() is { } keys)
                    {
                        // In messages of at most about 1 MiB, well under the primary's message size limit however many keys were read.
                        var touches = new Touches();
                        long bytes = 0;
                        foreach (byte[] key in keys)
                        {
                            touches.Keys.Add(UnsafeByteOperations.UnsafeWrap(key));
                            bytes += key.Length + 8;
                            if (bytes >= TouchesMessageBytes)
                            {
                                await requests.WriteAsync(new SecondaryMessage { Touches = touches }, cancellationToken).ConfigureAwait(false);
                                touches = new Touches();
                                bytes = 0;
                            }
                        }

                        if (touches.Keys.Count > 0)
                        {
                            await requests.WriteAsync(new SecondaryMessage { Touches = touches }, cancellationToken).ConfigureAwait(false);
                        }
                    }
                }

                // Woken by the primary's request, and by the link coming up: Redis's replica likewise sends its first
                // REPLCONF ACK on loading the RDB, or WAIT and min-replicas-to-write would not count it until its next heartbeat.
                if (Volatile.Read(ref _acknowledgeNow) != 0)
                {
                    continue;
                }

                TimeSpan untilHeartbeat = _options.HeartbeatInterval - Stopwatch.GetElapsedTime(lastHeartbeat);
                Task wanted = _loop.WaitAsync(_acknowledgementWanted, untilHeartbeat > TimeSpan.Zero ? untilHeartbeat : TimeSpan.Zero, cancellationToken);
                if (Volatile.Read(ref _acknowledgeNow) != 0)
                {
                    continue; // re-checked once armed: a request in between is not slept through
                }

                await wanted.ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or RpcException or InvalidOperationException or IOException)
        {
            // The read side sees the same failure and reports it.
        }
    }

    /// <summary>Drops the link after <see cref="ReplicatedCacheOptions.ReplicationTimeout"/> of silence from the primary.</summary>
    private async Task WatchAsync(CancellationTokenSource link)
    {
        try
        {
            while (true)
            {
                await _loop.DelayAsync(_options.HeartbeatInterval, link.Token).ConfigureAwait(false);
                if (SinceLastIo > _options.ReplicationTimeout)
                {
                    CutReason = $"nothing heard from the primary for {SinceLastIo?.TotalSeconds:F1} s (ReplicationTimeout {_options.ReplicationTimeout.TotalSeconds:F1} s)";
                    await link.CancelAsync().ConfigureAwait(false);
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Has the acknowledgement writer acknowledge the applied offset now instead of at its next heartbeat.</summary>
    private void AcknowledgeNow()
    {
        Volatile.Write(ref _acknowledgeNow, 1);
        _acknowledgementWanted.Set();
    }

    private void Heard() => Volatile.Write(ref _lastIoTimestamp, Stopwatch.GetTimestamp());

    private void LinkUp(string how)
    {
        _status = PrimaryLinkStatus.Up;
        _upThisAttempt = true;
        Forwarder.Open(_primaryAcceptsForwarding);
        AcknowledgeNow(); // the completed sync at once: WAIT, min-replicas-to-write and INFO count the secondary from here
        DownReason = null;
        _wentDownBecause = null;
        _lastLoggedDownReason = null;
        CutReason = null;
        Log.LinkUp(_logger, _state.NodeId, _state.Role, _state.History.Id, _log.EndOffset, Primary, how);
    }

    private void MarkDown(string reason, bool logIt)
    {
        if (_status is PrimaryLinkStatus.Up or PrimaryLinkStatus.Syncing)
        {
            Volatile.Write(ref _downSinceTimestamp, Stopwatch.GetTimestamp());
        }

        // Down since the link was last up: every retry passes through Connecting, so the status alone cannot tell.
        bool wasDown = _wentDownBecause is not null;
        _status = PrimaryLinkStatus.Down;
        // Keep why the link went down; a failed retry adds its own error without hiding the cause.
        _wentDownBecause = wasDown && _wentDownBecause is not null ? _wentDownBecause : reason;
        DownReason = _wentDownBecause == reason ? reason : $"{_wentDownBecause} (last retry: {reason})";
        // A failure repeated on every retry (a refused token, a primary that is away) is logged once, then again
        // only when it changes or after the link recovers: never once per retry.
        bool repeated = wasDown && reason == _lastLoggedDownReason;
        if (!repeated && (logIt || !wasDown))
        {
            _lastLoggedDownReason = reason;
            Log.LinkDown(_logger, _state.NodeId, _state.Role, _state.History.Id, _log.EndOffset, Primary, reason, logIt ? "retrying with backoff" : "not retrying");
        }
    }
}
