using System.Collections.Frozen;
using System.Text;
using ReplCache.Resp.Commands;
using F = ReplCache.Resp.RespCommandFlags;

namespace ReplCache.Resp;

/// <summary>Every command the endpoint knows, found by name in any case without allocating.</summary>
internal static class RespCommandTable
{
    /// <summary>No command name is longer; a longer first argument is an unknown command without a lookup.</summary>
    private const int MaxNameLength = 16;

    public static IReadOnlyList<RespCommand> All { get; } =
    [
        new("ping", -1, F.Fast | F.WhileSubscribed, ConnectionCommands.Ping, "connection", "Returns the server's liveliness response."),
        new("echo", 2, F.Fast, ConnectionCommands.Echo, "connection", "Returns the given string."),
        new("auth", -2, F.NoAuth | F.Fast, ConnectionCommands.Auth, "connection", "Authenticates the connection."),
        new("hello", -1, F.NoAuth | F.Fast, ConnectionCommands.Hello, "connection", "Handshakes with the server (RESP2 only)."),
        new("select", 2, F.Fast, ConnectionCommands.Select, "connection", "Changes the selected database (only 0 exists)."),
        new("quit", -1, F.NoAuth | F.Fast | F.NotQueued | F.WhileSubscribed, ConnectionCommands.Quit, "connection", "Closes the connection."),
        new("reset", 1, F.NoAuth | F.Fast | F.NotQueued | F.WhileSubscribed, ConnectionCommands.Reset, "connection", "Resets the connection."),
        new("client", -2, F.Container, ClientCommands.Client, "connection", "ID, GETNAME, SETNAME, SETINFO of this connection; KILL of connections."),
        new("multi", 1, F.Fast | F.NotQueued, TransactionCommands.Multi, "transactions", "Starts a transaction."),
        new("exec", 1, F.NotQueued, TransactionCommands.Exec, "transactions", "Executes all commands in a transaction."),
        new("discard", 1, F.Fast | F.NotQueued, TransactionCommands.Discard, "transactions", "Discards a transaction."),
        new("subscribe", -2, F.WhileSubscribed, PubSubCommands.Subscribe, "pubsub", "Listens for messages published to channels."),
        new("unsubscribe", -1, F.WhileSubscribed, PubSubCommands.Unsubscribe, "pubsub", "Stops listening to messages posted to channels."),
        new("psubscribe", -2, F.WhileSubscribed, PubSubCommands.PatternSubscribe, "pubsub", "Listens for messages published to channels that match one or more patterns."),
        new("punsubscribe", -1, F.WhileSubscribed, PubSubCommands.PatternUnsubscribe, "pubsub", "Stops listening to messages published to channels that match one or more patterns."),
        new("publish", 3, F.Fast, PubSubCommands.Publish, "pubsub", "Posts a message to a channel (this node's subscribers)."),
        new("get", 2, F.ReadOnly | F.Fast, StringCommands.Get, "string", "Returns the string value of a key.", 1, 1),
        new("set", -3, F.Write, StringCommands.Set, "string", "Sets the string value of a key, ignoring its type. The key is created if it doesn't exist.", 1, 1),
        new("setnx", 3, F.Write | F.Fast, StringCommands.SetNx, "string", "Set the string value of a key only when the key doesn't exist.", 1, 1),
        new("setex", 4, F.Write, StringCommands.SetEx, "string", "Sets the string value and expiration time of a key. Creates the key if it doesn't exist.", 1, 1),
        new("psetex", 4, F.Write, StringCommands.PSetEx, "string", "Sets both string value and expiration time in milliseconds of a key. The key is created if it doesn't exist.", 1, 1),
        new("mget", -2, F.ReadOnly | F.Fast, StringCommands.MGet, "string", "Returns the string values of one or more keys.", 1, -1),
        new("mset", -3, F.Write, StringCommands.MSet, "string", "Creates or modifies the string values of one or more keys, in order.", 1, -1),
        new("del", -2, F.Write, KeyCommands.Del, "generic", "Deletes one or more keys.", 1, -1),
        new("unlink", -2, F.Write | F.Fast, KeyCommands.Del, "generic", "Asynchronously deletes one or more keys (here as DEL: freeing is never deferred).", 1, -1),
        new("exists", -2, F.ReadOnly | F.Fast, KeyCommands.Exists, "generic", "Determines whether one or more keys exist.", 1, -1),
        new("expire", -3, F.Write | F.Fast, KeyCommands.Expire, "generic", "Sets the expiration time of a key in seconds.", 1, 1),
        new("pexpire", -3, F.Write | F.Fast, KeyCommands.PExpire, "generic", "Sets the expiration time of a key in milliseconds.", 1, 1),
        new("expireat", -3, F.Write | F.Fast, KeyCommands.ExpireAt, "generic", "Sets the expiration time of a key to a Unix timestamp.", 1, 1),
        new("pexpireat", -3, F.Write | F.Fast, KeyCommands.PExpireAt, "generic", "Sets the expiration time of a key to a Unix milliseconds timestamp.", 1, 1),
        new("ttl", 2, F.ReadOnly | F.Fast, KeyCommands.Ttl, "generic", "Returns the expiration time in seconds of a key.", 1, 1),
        new("pttl", 2, F.ReadOnly | F.Fast, KeyCommands.PTtl, "generic", "Returns the expiration time in milliseconds of a key.", 1, 1),
        new("persist", 2, F.Write | F.Fast, KeyCommands.Persist, "generic", "Removes the expiration time of a key.", 1, 1),
        new("keys", 2, F.ReadOnly, KeyCommands.Keys, "generic", "Returns all key names that match a pattern."),
        new("scan", -2, F.ReadOnly, KeyCommands.Scan, "generic", "Iterates over the key names in the database."),
        new("dbsize", 1, F.ReadOnly | F.Fast, KeyCommands.DbSize, "server", "Returns the number of keys in the database."),
        new("flushall", -1, F.Write, KeyCommands.FlushAll, "server", "Removes all keys from all databases."),
        new("flushdb", -1, F.Write, KeyCommands.FlushAll, "server", "Remove all keys from the current database."),
        new("info", -1, F.None, ServerCommands.Info, "server", "Returns information and statistics about the server."),
        new("config", -2, F.Admin | F.Container, ConfigCommands.Config, "server", "CONFIG GET: the effective configuration parameters; CONFIG REWRITE."),
        new("command", -1, F.Container, ServerCommands.Command, "server", "Returns detailed information about all commands."),
        new("cluster", -2, F.Container, ServerCommands.Cluster, "cluster", "Cluster commands (this node is not a cluster node)."),
        new("debug", -2, F.Admin | F.Container, ServerCommands.Debug, "server", "DEBUG DIGEST: a digest of the whole dataset."),
        new("save", 1, F.Admin, ServerCommands.Save, "server", "Synchronously saves the database(s) to disk."),
        new("shutdown", -1, F.Admin, ServerCommands.Shutdown, "server", "Synchronously saves the database(s) to disk and shuts down the server."),
        new("role", 1, F.Fast, ReplicationCommands.Role, "server", "Returns the replication role."),
        new("replicaof", 3, F.Admin, ReplicationCommands.ReplicaOf, "server", "Configures a server as replica of another, or promotes it to a master."),
        new("slaveof", 3, F.Admin, ReplicationCommands.ReplicaOf, "server", "Sets a Redis server as a replica of another, or promotes it to being a master."),
        new("failover", -1, F.Admin, ReplicationCommands.Failover, "server", "Starts a coordinated failover from this server to one of its replicas."),
        new("wait", 3, F.None, ReplicationCommands.Wait, "generic", "Blocks until the asynchronous replication of all preceding write commands sent by the connection is completed."),
    ];

    private static readonly FrozenDictionary<string, RespCommand>.AlternateLookup<ReadOnlySpan<char>> ByName =
        All.ToFrozenDictionary(c => c.Name, StringComparer.OrdinalIgnoreCase).GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>The command named by <paramref name="name"/> (ASCII, any case), or null.</summary>
    public static RespCommand? Find(ReadOnlySpan<byte> name)
    {
        if (name.Length > MaxNameLength)
        {
            return null;
        }

        Span<char> chars = stackalloc char[MaxNameLength];
        int length = Encoding.Latin1.GetChars(name, chars);
        return ByName.TryGetValue(chars[..length], out RespCommand? command) ? command : null;
    }
}
