using System.Text;
using ReplCache.Resp.Directives;

namespace ReplCache.Server;

/// <summary>The --help text: usage as redis-server's, then each directive's lines from its <see cref="DirectiveTable"/> entry.</summary>
internal static class HelpText
{
    private const string Header = """
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
        """;

    private const string Footer = """
        An unknown directive or a bad value stops start-up with the file, the line and what is wrong
        (exit code 1). SIGTERM/SIGINT or SHUTDOWN stop gracefully: secondaries are drained (up to 5 s;
        SHUTDOWN ABORT cancels the wait), the snapshot is saved when save points are configured, the
        pidfile is removed; exit code 0.
        """;

    public static string Usage { get; } = Build();

    private static string Build()
    {
        var text = new StringBuilder(Header).Append('\n');
        foreach (Directive directive in DirectiveTable.All)
        {
            foreach (string line in directive.Help?.Split('\n') ?? [])
            {
                text.Append("  ").Append(line).Append('\n');
            }
        }

        return text.Append('\n').Append(Footer).ToString();
    }
}
