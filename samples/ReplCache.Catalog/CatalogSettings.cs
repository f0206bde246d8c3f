using System.Globalization;

namespace ReplCache.Catalog;

/// <summary>The command line of one catalog process.</summary>
internal sealed record CatalogSettings(string Role, string Bind, string? Announce, string WriterHost, int HttpPort, int ReplicationPort, int WriterHttpPort, int PrimaryReplicationPort, int[] Instances, int Products, TimeSpan Duration)
{
    public static CatalogSettings Parse(string[] args)
    {
        string Value(string name, string fallback)
        {
            int at = Array.IndexOf(args, "--" + name);
            return at >= 0 && at + 1 < args.Length ? args[at + 1] : fallback;
        }

        int Port(string name, int fallback) => int.Parse(Value(name, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);

        string role = Value("role", "writer");
        if (role is not ("writer" or "reader" or "load"))
        {
            throw new ArgumentException($"--role must be writer, reader or load (was '{role}').");
        }

        return new CatalogSettings(
            role,
            Value("bind", "127.0.0.1"),
            args.Contains("--announce") ? Value("announce", "") : null,
            Value("writer-host", "127.0.0.1"),
            Port("http", 5100),
            Port("repl", 7100),
            Port("writer", 5100),
            Port("primary", 7100),
            Value("instances", "5100").Split(',').Select(p => int.Parse(p, CultureInfo.InvariantCulture)).ToArray(),
            Port("products", 1000),
            TimeSpan.FromSeconds(Port("seconds", 5)));
    }
}
