using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ReplCache.Hosting;
using ReplCache.Diagnostics;
using ReplCache.Persistence;
using ReplCache.Replication;
using ReplCache.Resp.PubSub;
using ReplCache.Storage;

namespace ReplCache.Resp;

/// <summary>
/// A node's Redis-protocol endpoint: the connection handler Kestrel hands RESP connections to, and the
/// server-wide figures INFO reports (clients, commands, hits and misses).
/// </summary>
internal sealed partial class RespServer
{
    /// <summary>Peers whose failed AUTH was logged; bounded so that a scan from many addresses cannot grow it forever.</summary>
    private const int MaxAuthFailurePeers = 1024;

    private readonly ConcurrentDictionary<IPAddress, byte> _authFailuresLogged = new();
    private long _nextClientId;
    private int _connectedClients;
    private long _totalConnections;
    private long _totalCommands;
    private long _hits;
    private long _misses;
    private int _blockedClients;
    private IPEndPoint? _endPoint;

    public RespServer(
        CacheStore store,
        IReplicationControl replication,
        ReplicationState state,
        AccessGate gate,
        SnapshotPersistence snapshots,
        ReplicatedCacheOptions options,
        ReplCacheMetrics metrics,
        IReadOnlyDictionary<string, string> hostSettings,
        ILoggerFactory? loggerFactory,
        CancellationToken stopping)
    {
        Store = store;
        Replication = replication;
        State = state;
        Gate = gate;
        Snapshots = snapshots;
        Options = options;
        Metrics = metrics;
        HostSettings = hostSettings;
        Stopping = stopping;
        Logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("ReplCache.Resp");
        SentinelHellos = new Sentinel.SentinelHelloFence(state, gate.StalePrimary, RunId, options.AuthToken, Logger, stopping);
    }

    /// <summary>What the Sentinels' hellos published through this node say about its role (<see cref="Sentinel.SentinelHelloFence"/>).</summary>
    public Sentinel.SentinelHelloFence SentinelHellos { get; }

    public CacheStore Store { get; }

    /// <summary>FAILOVER ABORT: stops the failover in progress on this node (false when none is).</summary>
    public Func<bool> AbortFailover { get; init; } = static () => false;

    /// <summary>AUTH's check: the current token, or the previous one within its grace period; CONFIG SET requirepass notes a change.</summary>
    public required Protocol.AuthTokenRotation AuthTokens { get; init; }

    /// <summary>INFO replication, REPLICAOF, WAIT: what the public control does.</summary>
    public IReplicationControl Replication { get; }

    /// <summary>The node's id, role and uptime (INFO server, ROLE).</summary>
    public ReplicationState State { get; }

    /// <summary>READONLY, NOREPLICAS, MASTERDOWN.</summary>
    public AccessGate Gate { get; }

    /// <summary>SAVE and BGSAVE.</summary>
    public SnapshotPersistence Snapshots { get; }

    public ReplicatedCacheOptions Options { get; }

    private ReplCacheMetrics Metrics { get; }

    /// <summary>
    /// Settings of the process hosting this node that are not node options (pidfile, dir, dbfilename, bind, port,
    /// ...), by Redis directive name, so that <c>CONFIG GET</c> can show them; written by the server program.
    /// </summary>
    public IReadOnlyDictionary<string, string> HostSettings { get; }

    /// <summary>Cancelled when the node stops: a REPLICAOF or WAIT in progress ends.</summary>
    public CancellationToken Stopping { get; }

    public ILogger Logger { get; }

    /// <summary>
    /// INFO's <c>run_id</c>: 40 hex characters, new at every start of the node and stable while it runs, as Redis's.
    /// Sentinel takes a change for a restart (<c>+reboot</c>) and ignores an id shorter than 40 (a Guid's 32), so
    /// it is neither the node id (which may be configured, and so survive a restart) nor a Guid.
    /// </summary>
    public string RunId { get; } = ReplicationIds.NewId();

    /// <summary>
    /// The bound RESP endpoint, port 0 resolved; set once the listener is up. Setting it also tells replication the
    /// port a primary should list this node at (see <see cref="ReplicationState.RespPort"/>).
    /// </summary>
    public IPEndPoint? EndPoint
    {
        get => _endPoint;
        set
        {
            _endPoint = value;
            if (value is not null)
            {
                State.RespPort = AnnouncedPort(value.Port);
            }
        }
    }

    /// <summary>
    /// Stops the node for SHUTDOWN: the arguments are NOSAVE (false), SAVE (true) or neither (null: as configured), and
    /// NOW (skip the wait for secondaries). Completes when the wait ends, with the stop begun, or null when SHUTDOWN
    /// ABORT cancelled it. Null when the application owns the node's lifetime (hosted with AddReplicatedCache), where
    /// SHUTDOWN is refused.
    /// </summary>
    public Func<bool?, bool, Task<Task?>>? Shutdown { get; set; }

    /// <summary>SHUTDOWN ABORT: false when no shutdown is waiting. Null where SHUTDOWN is refused.</summary>
    public Func<bool>? AbortShutdown { get; set; }

    /// <summary>
    /// What <c>CONFIG REWRITE</c> does: writes the running configuration (the role and primary included, so a node
    /// Sentinel promoted restarts as a primary) back to the config file the server program started from. Null for a
    /// node without a config file, which answers Redis's error for that case.
    /// </summary>
    public Func<CancellationToken, Task>? RewriteConfig { get; set; }

    /// <summary>Serialises CONFIG SET, so that two of them never interleave their checks and changes.</summary>
    public Lock ConfigLock { get; } = new();

    /// <summary>The live connections, for CLIENT KILL.</summary>
    public RespClientRegistry Clients { get; } = new();

    /// <summary>SUBSCRIBE, PSUBSCRIBE and PUBLISH, among this node's clients.</summary>
    public PubSubRegistry PubSub { get; } = new();

    public int ConnectedClients => Volatile.Read(ref _connectedClients);

    public long TotalConnections => Interlocked.Read(ref _totalConnections);

    public long TotalCommands => Interlocked.Read(ref _totalCommands);

    /// <summary>Clients waiting in WAIT (Redis's <c>blocked_clients</c>).</summary>
    public int BlockedClients => Volatile.Read(ref _blockedClients);

    public long KeyspaceHits => Interlocked.Read(ref _hits);

    public long KeyspaceMisses => Interlocked.Read(ref _misses);

    /// <summary>Serves one client connection until it closes.</summary>
    public async Task RunConnectionAsync(ConnectionContext transport)
    {
        if (ProtectedMode.Refuses(Options, (transport.RemoteEndPoint as IPEndPoint)?.Address))
        {
            // As Redis's clientAcceptHandler: the reply explains why and what to do, then the connection closes.
            await transport.Transport.Output.WriteAsync(ProtectedMode.DeniedReply.ToArray()).ConfigureAwait(false);
            await transport.Transport.Output.CompleteAsync().ConfigureAwait(false);
            return;
        }

        var connection = new RespConnection(this, transport, Interlocked.Increment(ref _nextClientId));
        Clients.Add(connection);
        Interlocked.Increment(ref _connectedClients);
        Interlocked.Increment(ref _totalConnections);
        Log.ClientConnected(Logger, connection.Id, connection.RemoteEndPoint);
        string reason = "the client closed it";
        try
        {
            await connection.RunAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or ConnectionResetException or ConnectionAbortedException or OperationCanceledException)
        {
            reason = ex.Message;
        }
        finally
        {
            Clients.Remove(connection);
            Interlocked.Decrement(ref _connectedClients);
            connection.Dispose(); // leaves its channels and patterns
            Log.ClientClosed(Logger, connection.Id, connection.RemoteEndPoint, connection.KilledBecause ?? reason);
        }
    }

    public void Blocked(int delta) => Interlocked.Add(ref _blockedClients, delta);

    public void CountCommand() => Interlocked.Increment(ref _totalCommands);

    public void CountLookup(bool hit)
    {
        Metrics.CountLookup(hit);
        if (hit)
        {
            Interlocked.Increment(ref _hits);
        }
        else
        {
            Interlocked.Increment(ref _misses);
        }
    }

    /// <summary>
    /// Where Redis clients (and Sentinel) reach the endpoint: the bound port, except that a RESP endpoint sharing the
    /// replication port is reached at the announced address's port too (Redis's <c>replica-announce-port</c>).
    /// </summary>
    private int AnnouncedPort(int bound)
    {
        if (Options.AnnounceAddress is { } announced && Options.Listen is { } listen && Options.RespListen is { } respListen
            && Uri.TryCreate(listen, UriKind.Absolute, out Uri? replication))
        {
            (string host, int port) = KestrelBinding.ParseHostAndPort(respListen);
            if (KestrelBinding.SameEndpoint(replication.Host, replication.Port, host, port))
            {
                return announced.Port;
            }
        }

        return bound;
    }

    /// <summary>Logs a failed AUTH once per peer address (never the password tried).</summary>
    public void AuthenticationFailed(RespConnection connection)
    {
        IPAddress address = connection.RemoteEndPoint?.Address ?? IPAddress.None;
        if (_authFailuresLogged.Count >= MaxAuthFailurePeers)
        {
            _authFailuresLogged.Clear();
        }

        if (_authFailuresLogged.TryAdd(address, 0))
        {
            Log.AuthenticationFailed(Logger, connection.Id, connection.RemoteEndPoint);
        }
    }
}
