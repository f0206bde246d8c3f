using System.Globalization;

namespace ReplCache.Sessions;

/// <summary>The command line of one process of the sample: an instance (primary or secondary) or the load generator.</summary>
internal sealed record SessionsSettings(
    string Role,
    int HttpPort,
    int ReplicationPort,
    int PrimaryReplicationPort,
    int[] Instances,
    int Users,
    int RequestsPerUser,
    int Concurrency,
    bool SendOffsetToken)
{
    public static SessionsSettings Parse(string[] args)
    {
        string? Value(string name)
        {
            int at = Array.IndexOf(args, "--" + name);
            return at >= 0 && at + 1 < args.Length ? args[at + 1] : null;
        }

        int Number(string name, int fallback) => Value(name) is { } text ? int.Parse(text, CultureInfo.InvariantCulture) : fallback;

        string role = Value("role") ?? "primary";
        if (role is not ("primary" or "secondary" or "load"))
        {
            throw new ArgumentException($"--role must be primary, secondary or load (was '{role}').");
        }

        string offsetToken = Value("offset-token") ?? "send";
        if (offsetToken is not ("send" or "withhold"))
        {
            throw new ArgumentException($"--offset-token must be send or withhold (was '{offsetToken}').");
        }

        int users = Number("users", 200);
        int requestsPerUser = Number("requests", 10);
        int concurrency = Number("concurrency", 16);
        if (users < 1 || requestsPerUser < 2 || concurrency < 1)
        {
            throw new ArgumentException("--users and --concurrency must be at least 1, --requests at least 2 (an add and a read).");
        }

        return new SessionsSettings(
            role,
            Number("http", 5200),
            Number("repl", 7200),
            Number("primary", 7200),
            (Value("instances") ?? "5200,5201,5202").Split(',').Select(p => int.Parse(p, CultureInfo.InvariantCulture)).ToArray(),
            users,
            requestsPerUser,
            concurrency,
            offsetToken == "send");
    }
}
