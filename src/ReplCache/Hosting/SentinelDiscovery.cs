using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using ReplCache.Resp;

namespace ReplCache.Hosting;

/// <summary>
/// At start, for a node configured with <see cref="ReplicatedCacheOptions.Sentinel"/>: asks the Sentinels which node
/// is the primary of the service (<c>SENTINEL get-master-addr-by-name</c>, as StackExchange.Redis and redis-cli ask),
/// and says whether that is this node or whom it must follow. An instance restarted after a failover thus comes back
/// as the new primary's secondary, never as a second primary; the Sentinels drive it from then on.
/// </summary>
internal static partial class SentinelDiscovery
{
    /// <summary>How long one Sentinel gets to connect and answer before the next one is asked.</summary>
    private static readonly TimeSpan PerSentinelTimeout = TimeSpan.FromSeconds(2);

    /// <summary>
    /// The address the Sentinels know this node by: <see cref="ReplicatedCacheOptions.AnnounceAddress"/>, else
    /// <see cref="ReplicatedCacheOptions.RespListen"/> (RESP shares the replication port); null when neither names a
    /// specific host and a non-zero port.
    /// </summary>
    public static (string Host, int Port)? OwnEndPoint(ReplicatedCacheOptions options)
    {
        if (options.AnnounceAddress is { } announced)
        {
            return announced.Port > 0 ? (announced.DnsSafeHost, announced.Port) : null;
        }

        if (options.RespListen is not { } listen)
        {
            return null;
        }

        int colon = listen.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(listen.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port == 0)
        {
            return null;
        }

        string host = listen[..colon].Trim('[', ']');
        bool wildcard = host is "*" or "0.0.0.0" or "::" || host.Length == 0;
        return wildcard ? null : (host, port);
    }

    /// <summary>
    /// Asks each Sentinel in turn, retrying with backoff for up to <see cref="ReplicatedCacheOptions.ReplicationTimeout"/>.
    /// </summary>
    /// <returns>Null when this node is the primary; otherwise the primary's replication address.</returns>
    /// <exception cref="InvalidOperationException">No Sentinel answered in time, or they do not monitor the service.</exception>
    public static async Task<Uri?> FindPrimaryAsync(ReplicatedCacheOptions options, ILogger logger, CancellationToken cancellationToken)
    {
        ReplicatedCacheSentinelOptions sentinel = options.Sentinel;
        string service = sentinel.ServiceName!;
        DateTimeOffset deadline = options.TimeProvider.GetUtcNow() + options.ReplicationTimeout;
        var problems = new List<string>();
        for (int attempt = 1; ; attempt++)
        {
            problems.Clear();
            int unknown = 0;
            foreach (string endpoint in sentinel.Endpoints)
            {
                try
                {
                    (string Host, int Port)? primary = await AskAsync(endpoint, service, sentinel.AuthToken, cancellationToken).ConfigureAwait(false);
                    if (primary is not { } found)
                    {
                        unknown++;
                        problems.Add($"{endpoint}: does not monitor '{service}'");
                        continue;
                    }

                    (string Host, int Port) own = OwnEndPoint(options)!.Value;
                    bool itIsMe = found.Port == own.Port && SameHost(found.Host, own.Host);
                    Log.Discovered(logger, service, endpoint, found.Host, found.Port, itIsMe ? "this node: it starts as the primary" : "another node: this one starts as its secondary");
                    if (itIsMe)
                    {
                        return null;
                    }

                    string scheme = options.Tls.ReplicaOfUsesTls ? Uri.UriSchemeHttps : Uri.UriSchemeHttp;
                    string host = found.Host.Contains(':', StringComparison.Ordinal) ? $"[{found.Host}]" : found.Host;
                    return new Uri($"{scheme}://{host}:{found.Port.ToString(CultureInfo.InvariantCulture)}");
                }
                catch (Exception ex) when (ex is SocketException or IOException or InvalidDataException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
                {
                    problems.Add($"{endpoint}: {ex.Message}");
                }
            }

            if (unknown == sentinel.Endpoints.Count)
            {
                throw new InvalidOperationException(
                    $"No Redis Sentinel of Sentinel.Endpoints monitors the service '{service}' (Sentinel.ServiceName): {string.Join("; ", problems)}.");
            }

            if (options.TimeProvider.GetUtcNow() >= deadline)
            {
                throw new InvalidOperationException(
                    $"No Redis Sentinel of Sentinel.Endpoints named the primary of '{service}' within ReplicationTimeout ({options.ReplicationTimeout.TotalSeconds:F0} s): {string.Join("; ", problems)}.");
            }

            Log.NoAnswer(logger, service, attempt, string.Join("; ", problems));
            await Task.Delay(Replication.Secondary.PrimaryLink.RetryDelay(attempt), options.TimeProvider, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>One Sentinel's answer: the primary's host and port, or null when it does not know the service.</summary>
    private static async Task<(string Host, int Port)?> AskAsync(string endpoint, string service, string? authToken, CancellationToken cancellationToken)
    {
        int colon = endpoint.LastIndexOf(':');
        string host = endpoint[..colon].Trim('[', ']');
        int port = int.Parse(endpoint.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(PerSentinelTimeout);
        using RespLineClient client = await RespLineClient.ConnectAsync(host, port, timeout.Token).ConfigureAwait(false);
        if (await client.SendAsync(authToken, ["SENTINEL", "get-master-addr-by-name", service], timeout.Token).ConfigureAwait(false) is { } refused)
        {
            throw new InvalidDataException("AUTH refused (Sentinel.AuthToken): " + refused);
        }

        string header = await client.ReadLineAsync(timeout.Token).ConfigureAwait(false);
        if (header.StartsWith('-'))
        {
            throw new InvalidDataException(header[1..]);
        }

        if (header is "*-1" or "$-1")
        {
            return null;
        }

        if (header != "*2")
        {
            throw new InvalidDataException($"unexpected reply '{header}' to SENTINEL get-master-addr-by-name");
        }

        string primaryHost = await ReadBulkAsync(client, timeout.Token).ConfigureAwait(false);
        string primaryPort = await ReadBulkAsync(client, timeout.Token).ConfigureAwait(false);
        return int.TryParse(primaryPort, NumberStyles.None, CultureInfo.InvariantCulture, out int parsed) && parsed is > 0 and <= 65535
            ? (primaryHost, parsed)
            : throw new InvalidDataException($"the Sentinel named port '{primaryPort}'");
    }

    private static async Task<string> ReadBulkAsync(RespLineClient client, CancellationToken cancellationToken)
    {
        string header = await client.ReadLineAsync(cancellationToken).ConfigureAwait(false);
        return header.StartsWith('$') ? await client.ReadLineAsync(cancellationToken).ConfigureAwait(false)
            : throw new InvalidDataException($"expected a bulk string, got '{header}'");
    }

    private static bool SameHost(string a, string b) =>
        string.Equals(a, b, StringComparison.OrdinalIgnoreCase)
        || (IPAddress.TryParse(a, out IPAddress? x) && IPAddress.TryParse(b, out IPAddress? y) && x.Equals(y));

    private static partial class Log
    {
        [LoggerMessage(140, LogLevel.Information, "Sentinel {Sentinel} names {Host}:{Port} as the primary of '{Service}': {Meaning}.")]
        public static partial void Discovered(ILogger logger, string service, string sentinel, string host, int port, string meaning);

        [LoggerMessage(141, LogLevel.Warning, "No Sentinel named the primary of '{Service}' yet (attempt {Attempt}): {Problems}. Retrying.")]
        public static partial void NoAnswer(ILogger logger, string service, int attempt, string problems);
    }
}
