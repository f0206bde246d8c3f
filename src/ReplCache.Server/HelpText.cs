namespace ReplCache.Server;

/// <summary>The --help text: usage as redis-server's, and how each directive maps onto the node's options.</summary>
internal static class HelpText
{
    public const string Usage = """
        Usage: replcache-server [/path/to/redis.conf] [options]
               replcache-server -v or --version
               replcache-server -h or --help

        Hosts one ReplCache node configured like redis-server. The file uses redis.conf syntax; every
        --name args... option becomes a config line applied after the file (a file is optional).

        Examples:
               replcache-server redis6379.conf
               replcache-server --port 7777
               replcache-server --port 7777 --replicaof 127.0.0.1 8888
               replcache-server redis6380.conf --replicaof "127.0.0.1 6379" --loglevel verbose
               replcache-server --port 0 --tls-port 6379 --tls-cert-file node.crt --tls-key-file node.key
                                --tls-ca-cert-file ca.crt --tls-replication yes

        Directives (Redis's slave* names are accepted as aliases of the replica* ones):
          bind <addr> [-<optional>...]  one address (ReplCache binds one; '-' addresses are dropped, so
                                        "bind 127.0.0.1 -::1" binds 127.0.0.1; * is 0.0.0.0). Default 127.0.0.1.
          port <0-65535>                Listen = http://<bind>:<port> (gRPC replication) and
                                        RespListen = <bind>:<port> (redis-cli): one port for both, as Redis.
                                        0: the OS picks a port, shown once ready (in Redis, 0
                                        disables TCP). Default 6379.
          replica-announce-ip <ip>, replica-announce-port <port>
                                        AnnounceAddress = http://<ip>:<port> (needed with a wildcard bind).
          dir <path>                    relative pidfile, logfile and dbfilename are taken from it (Redis
                                        chdirs there). Must exist. Default: the current directory.
          dbfilename <name>             SnapshotPath = <dir>/<name>, always set: loaded at start, SAVE works.
                                        Default dump.rcs.
          save <secs> <changes> [...]   SnapshotSavePoints; a save runs when any point is satisfied. The first
                                        save line replaces the default 3600 1 300 100 60 10000, later ones add.
                                        save "" = none. With points, SaveOnStop = true; with none, false
                                        (the file still loads at start; SHUTDOWN SAVE still saves).
          replicaof <host> <port>       PrimaryAddress = http://<host>:<port>; "replicaof no one" undoes it.
          requirepass <pw>, masterauth <pw>
                                        AuthToken: ReplCache has one shared secret; if both are given they
                                        must be equal.
          protected-mode yes|no         ProtectedMode. Default yes: without a password, RESP clients
                                        from other hosts get -DENIED.
          repl-backlog-size <bytes>     BacklogSizeBytes (1k=1000, 1kb=1024, m/mb, g/gb). Default 16mb.
          replica-read-only yes         ReplicaWrites = Reject. "no" is refused: replicas never diverge.
          replica-serve-stale-data yes|no        ServeStaleData. Default yes.
          min-replicas-to-write <n>     MinReplicasToWrite. Default 0.
          min-replicas-max-lag <secs>   MinReplicasMaxLag. Default 10.
          repl-timeout <secs>           ReplicationTimeout. Default 60.
          repl-ping-replica-period <secs>        HeartbeatInterval. Default 1 (Redis: 10).
          tls-port <port>               TLS instead of plain: Listen = https://<bind>:<tls-port> (gRPC over
                                        TLS, h2 by ALPN) and RespListen on the same port over TLS
                                        (redis-cli --tls). One port only: with tls-port, port must be 0 or
                                        absent (Redis would also listen on port; ReplCache refuses both).
                                        tls-port 0 (default): no TLS listener.
          tls-cert-file <path>, tls-key-file <path>, tls-key-file-pass <pw>
                                        Tls.CertificatePath / KeyPath / CertificatePassword: PEM certificate
                                        (intermediates after it) and key (or a .pfx). Needed by tls-port; also
                                        the client certificate a replica presents to its primary.
          tls-ca-cert-file <path>       Tls.CaCertificatePath: the only CAs trusted for peers' certificates
                                        (primary's and clients'). Absent: the system's trust store.
          tls-auth-clients yes|no|optional       Tls.ClientCertificateMode Required/None/Optional: whether
                                        replicas and redis-cli must present a certificate. Default yes (Redis).
          tls-replication yes|no        replicaof connects with https:// (Tls.ReplicaOfUsesTls, also for
                                        REPLICAOF host port sent by a client). Default no.
          pidfile <path>                written at start, removed at exit (a warning if it cannot be written).
          logfile <path>                Redis-style log lines, appended; "" = standard output.
          loglevel debug|verbose|notice|warning|nothing          Default notice.
          daemonize no                  "yes" is refused: run under a service manager instead.

        An unknown directive or a bad value stops start-up with the file, the line and what is wrong
        (exit code 1). SIGTERM/SIGINT or SHUTDOWN stop gracefully: secondaries are drained, the snapshot
        is saved when save points are configured, the pidfile is removed; exit code 0.
        """;
}
