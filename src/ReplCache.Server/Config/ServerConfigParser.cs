using System.Globalization;
using System.Net;
using Microsoft.Extensions.Logging;

namespace ReplCache.Server.Config;

/// <summary>
/// Applies one directive to a <see cref="ServerConfig"/>, checking it as Redis checks it and wording errors as
/// Redis does where Redis has the same error ("argument must be 'yes' or 'no'"), plainly where ReplCache differs.
/// </summary>
internal static class ServerConfigParser
{
    /// <summary>Redis's error for a name it does not know.</summary>
    public const string BadDirective = "Bad directive or wrong number of arguments";

    public static void Apply(ConfigLine line, ServerConfig config)
    {
        string name = line.Name;
        string canonical = Canonical(name);
        IReadOnlyList<string> args = SplitSingleArgument(canonical, line.Args);
        switch (canonical)
        {
            case "bind":
                Require(line, args.Count >= 1);
                config.BindAddress = ChooseBindAddress(line, args);
                config.BindText = string.Join(' ', args);
                break;
            case "port":
                Require(line, args.Count == 1);
                config.Port = Integer(line, args[0], 0, 65535);
                break;
            case "pidfile":
                Require(line, args.Count == 1);
                config.PidFile = args[0].Length == 0 ? null : args[0];
                break;
            case "logfile":
                Require(line, args.Count == 1);
                config.LogFile = args[0];
                break;
            case "loglevel":
                Require(line, args.Count == 1);
                config.LogLevel = args[0].ToLowerInvariant() switch
                {
                    "debug" => LogLevel.Trace,
                    "verbose" => LogLevel.Debug,
                    "notice" => LogLevel.Information,
                    "warning" => LogLevel.Warning,
                    "nothing" => LogLevel.None,
                    _ => throw new ConfigException(line, "argument(s) must be one of the following: debug, verbose, notice, warning, nothing"),
                };
                break;
            case "dir":
                Require(line, args.Count == 1);
                // Redis chdirs at this line, so a relative dir is taken from the previous one.
                string dir = Path.GetFullPath(args[0], config.Dir);
                if (!Directory.Exists(dir))
                {
                    throw new ConfigException(line, $"Can't chdir to '{args[0]}': No such file or directory");
                }

                config.Dir = dir;
                break;
            case "dbfilename":
                Require(line, args.Count == 1);
                if (args[0].Length == 0 || Path.GetFileName(args[0]) != args[0])
                {
                    throw new ConfigException(line, "dbfilename can't be a path, just a filename (the directory is 'dir')");
                }

                config.DbFileName = args[0];
                break;
            case "save":
                Require(line, args.Count >= 1);
                ApplySave(line, args, config);
                break;
            case "replicaof":
                Require(line, args.Count == 2);
                config.ReplicaOf = PrimaryAddress(line, args[0], args[1]);
                break;
            case "requirepass":
                Require(line, args.Count == 1);
                config.RequirePass = args[0].Length == 0 ? null : args[0];
                break;
            case "masterauth":
                Require(line, args.Count == 1);
                config.MasterAuth = args[0].Length == 0 ? null : args[0];
                break;
            case "repl-backlog-size":
                Require(line, args.Count == 1);
                config.BacklogSizeBytes = MemorySize.TryParse(args[0], out long bytes)
                    ? bytes
                    : throw new ConfigException(line, "argument must be a memory value");
                break;
            case "replica-read-only":
                Require(line, args.Count == 1);
                if (!YesNo(line, args[0]))
                {
                    throw new ConfigException(line, "ReplCache replicas are always read-only (a replica never diverges from its primary): replica-read-only must be yes");
                }

                break;
            case "protected-mode":
                Require(line, args.Count == 1);
                config.ProtectedMode = YesNo(line, args[0]);
                break;
            case "replica-serve-stale-data":
                Require(line, args.Count == 1);
                config.ServeStaleData = YesNo(line, args[0]);
                break;
            case "min-replicas-to-write":
                Require(line, args.Count == 1);
                config.MinReplicasToWrite = Integer(line, args[0], 0, int.MaxValue);
                break;
            case "min-replicas-max-lag":
                Require(line, args.Count == 1);
                config.MinReplicasMaxLagSeconds = Integer(line, args[0], 0, int.MaxValue);
                break;
            case "repl-timeout":
                Require(line, args.Count == 1);
                config.ReplTimeoutSeconds = Integer(line, args[0], 1, int.MaxValue);
                break;
            case "repl-ping-replica-period":
                Require(line, args.Count == 1);
                config.PingPeriodSeconds = Integer(line, args[0], 1, int.MaxValue);
                break;
            case "replica-announce-ip":
                Require(line, args.Count == 1);
                config.AnnounceIp = args[0].Length == 0 ? null : args[0];
                break;
            case "replica-announce-port":
                Require(line, args.Count == 1);
                int announcePort = Integer(line, args[0], 0, 65535);
                config.AnnouncePort = announcePort == 0 ? null : announcePort;
                break;
            case "tls-port":
                Require(line, args.Count == 1);
                config.TlsPort = Integer(line, args[0], 0, 65535);
                break;
            case "tls-cert-file":
                Require(line, args.Count == 1);
                config.TlsCertFile = args[0].Length == 0 ? null : args[0];
                break;
            case "tls-key-file":
                Require(line, args.Count == 1);
                config.TlsKeyFile = args[0].Length == 0 ? null : args[0];
                break;
            case "tls-key-file-pass":
                Require(line, args.Count == 1);
                config.TlsKeyFilePass = args[0].Length == 0 ? null : args[0];
                break;
            case "tls-ca-cert-file":
                Require(line, args.Count == 1);
                config.TlsCaCertFile = args[0].Length == 0 ? null : args[0];
                break;
            case "tls-replication":
                Require(line, args.Count == 1);
                config.TlsReplication = YesNo(line, args[0]);
                break;
            case "tls-auth-clients":
                Require(line, args.Count == 1);
                config.TlsAuthClients = args[0].ToLowerInvariant() switch
                {
                    "yes" => TlsClientCertificateMode.Required,
                    "optional" => TlsClientCertificateMode.Optional,
                    "no" => TlsClientCertificateMode.None,
                    _ => throw new ConfigException(line, "argument(s) must be one of the following: no, yes, optional"),
                };
                break;
            case "daemonize":
                Require(line, args.Count == 1);
                if (YesNo(line, args[0]))
                {
                    throw new ConfigException(line, "replcache-server does not daemonize: run it under a service manager (systemd, a container, launchd), or in the background with '&'; use daemonize no");
                }

                break;
            default:
                throw new ConfigException(line, BadDirective);
        }

        config.SetBy[canonical] = line;
    }

    /// <summary>Redis's old names (slaveof, slave-read-only, ...) are aliases of the replica ones.</summary>
    private static string Canonical(string name) => name switch
    {
        "slaveof" => "replicaof",
        "slave-read-only" => "replica-read-only",
        "slave-serve-stale-data" => "replica-serve-stale-data",
        "min-slaves-to-write" => "min-replicas-to-write",
        "min-slaves-max-lag" => "min-replicas-max-lag",
        "repl-ping-slave-period" => "repl-ping-replica-period",
        "slave-announce-ip" => "replica-announce-ip",
        "slave-announce-port" => "replica-announce-port",
        _ => name,
    };

    /// <summary>
    /// Directives of several arguments also take them as one quoted argument, as Redis's multi-argument configs do,
    /// so the command line can say <c>--replicaof "127.0.0.1 6379"</c> or <c>--save "60 1"</c>. An empty argument
    /// stays as it is: <c>save ""</c> means no save points.
    /// </summary>
    private static IReadOnlyList<string> SplitSingleArgument(string canonical, IReadOnlyList<string> args)
    {
        if (canonical is "bind" or "save" or "replicaof" && args.Count == 2 && args[1].Length > 0
            && ConfigTokenizer.Split(args[1]) is { Count: > 1 } split)
        {
            return split;
        }

        return args.Skip(1).ToList();
    }

    private static void Require(ConfigLine line, bool argumentCountIsRight)
    {
        if (!argumentCountIsRight)
        {
            throw new ConfigException(line, "wrong number of arguments");
        }
    }

    private static int Integer(ConfigLine line, string text, int min, int max)
    {
        if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long value))
        {
            throw new ConfigException(line, "argument couldn't be parsed into an integer");
        }

        return value >= min && value <= max
            ? (int)value
            : throw new ConfigException(line, $"argument must be between {min} and {max} inclusive");
    }

    private static bool YesNo(ConfigLine line, string text) => text.ToLowerInvariant() switch
    {
        "yes" => true,
        "no" => false,
        _ => throw new ConfigException(line, "argument must be 'yes' or 'no'"),
    };

    /// <summary>
    /// One address: ReplCache listens on one socket for both gRPC and RESP. Redis's optional addresses
    /// (<c>-::1</c>, bound only if available) are dropped, so the shipped <c>bind 127.0.0.1 -::1</c> binds 127.0.0.1.
    /// </summary>
    private static string ChooseBindAddress(ConfigLine line, IReadOnlyList<string> args)
    {
        string[] required = [.. args.Where(a => !a.StartsWith('-'))];
        if (required.Length > 1)
        {
            throw new ConfigException(line, $"ReplCache binds one address, and this line names {required.Length} ({string.Join(", ", required)}); keep one, or mark the others optional with '-'");
        }

        string chosen = required.Length == 1 ? required[0] : args[0].TrimStart('-');
        string address = chosen switch
        {
            "*" => "0.0.0.0",
            "::*" => "::",
            _ => chosen,
        };
        if (!address.Equals("localhost", StringComparison.OrdinalIgnoreCase) && !IPAddress.TryParse(address, out _))
        {
            throw new ConfigException(line, $"bind must name an IP address, * or localhost, not '{chosen}' (host names are not resolved)");
        }

        return address;
    }

    /// <summary>
    /// The first <c>save</c> line replaces the default points and later lines add to them; <c>save ""</c> clears
    /// them all — Redis's rule for config files, which its command-line options follow too.
    /// </summary>
    private static void ApplySave(ConfigLine line, IReadOnlyList<string> args, ServerConfig config)
    {
        if (!config.SaveLineSeen)
        {
            config.SavePoints.Clear();
            config.SaveLineSeen = true;
        }

        if (args is [""])
        {
            config.SavePoints.Clear();
            return;
        }

        if (args.Count % 2 != 0)
        {
            throw new ConfigException(line, "Invalid save parameters: expected pairs of <seconds> <changes>");
        }

        var points = new List<SnapshotSavePoint>();
        for (int i = 0; i < args.Count; i += 2)
        {
            if (!long.TryParse(args[i], NumberStyles.None, CultureInfo.InvariantCulture, out long seconds) || seconds < 1 || seconds > TimeSpan.MaxValue.TotalSeconds
                || !long.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out long changes) || changes < 1)
            {
                // Redis allows 0 changes (save the unchanged data every <seconds>); ReplCache's save points need one.
                throw new ConfigException(line, "Invalid save parameters: <seconds> and <changes> must be whole numbers of at least 1");
            }

            points.Add(new SnapshotSavePoint(TimeSpan.FromSeconds(seconds), changes));
        }

        config.SavePoints.AddRange(points);
    }

    /// <summary><c>replicaof host port</c> as the primary's address; <c>replicaof no one</c> undoes an earlier line.</summary>
    private static Uri? PrimaryAddress(ConfigLine line, string host, string port)
    {
        if (host.Equals("no", StringComparison.OrdinalIgnoreCase) && port.Equals("one", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        if (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out int number) || number is < 1 or > 65535)
        {
            throw new ConfigException(line, "Invalid master port");
        }

        return Uri.TryCreate($"http://{UriHost.Of(host)}:{number}", UriKind.Absolute, out Uri? uri) && uri.AbsolutePath == "/"
            ? uri
            : throw new ConfigException(line, $"Invalid master host '{host}'");
    }
}
