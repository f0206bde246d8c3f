using Microsoft.Extensions.Options;

namespace ReplCache.Hosting;

/// <summary>Checks every setting at startup; each failure names the setting, its value and what it must be.</summary>
internal sealed class ReplicatedCacheOptionsValidator : IValidateOptions<ReplicatedCacheOptions>
{
    private const string Prefix = nameof(ReplicatedCacheOptions) + ".";

    public ValidateOptionsResult Validate(string? name, ReplicatedCacheOptions options)
    {
        List<string> failures = Check(options);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>Throws <see cref="OptionsValidationException"/> listing every bad setting.</summary>
    public static void ThrowIfInvalid(ReplicatedCacheOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        List<string> failures = Check(options);
        if (failures.Count > 0)
        {
            throw new OptionsValidationException(Options.DefaultName, typeof(ReplicatedCacheOptions), failures);
        }
    }

    private static List<string> Check(ReplicatedCacheOptions o)
    {
        var failures = new List<string>();
        void Fail(string setting, object? value, string rule) => failures.Add($"{Prefix}{setting} {rule} (was '{value ?? "null"}').");

        if (o.NodeId is { } id && (id.Length is 0 or > 64 || !id.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_')))
        {
            Fail(nameof(o.NodeId), id, "must be 1 to 64 letters, digits, '.', '-' or '_'");
        }

        if (o.Listen is { } listen && !IsHttpAddress(listen, allowPortZero: true))
        {
            Fail(nameof(o.Listen), listen, "must be an absolute http:// (h2c) or https:// (TLS) address with a host and a port, e.g. http://127.0.0.1:0");
        }

        if (o.AnnounceAddress is { } announce && !IsHttpAddress(announce.OriginalString, allowPortZero: false))
        {
            Fail(nameof(o.AnnounceAddress), announce, "must be an absolute http:// or https:// address with a host and a non-zero port");
        }

        if (o.PrimaryAddress is { } primary && !IsHttpAddress(primary.OriginalString, allowPortZero: false))
        {
            Fail(nameof(o.PrimaryAddress), primary, "must be an absolute http:// or https:// address with a host and a non-zero port");
        }

        if (o.BacklogSizeBytes < ReplicatedCacheOptions.MinBacklogSizeBytes)
        {
            Fail(nameof(o.BacklogSizeBytes), o.BacklogSizeBytes, $"must be at least {ReplicatedCacheOptions.MinBacklogSizeBytes} bytes");
        }

        if (o.BacklogTtl < TimeSpan.Zero || o.BacklogTtl.TotalSeconds > int.MaxValue)
        {
            Fail(nameof(o.BacklogTtl), o.BacklogTtl, $"must be zero (the backlog is never freed) or positive, at most {int.MaxValue} seconds");
        }

        if (o.ReplicaOutputLimitBytes < 1024 * 1024)
        {
            Fail(nameof(o.ReplicaOutputLimitBytes), o.ReplicaOutputLimitBytes, "must be at least 1 MiB (1048576 bytes)");
        }

        if (!Enum.IsDefined(o.ReplicaWrites))
        {
            Fail(nameof(o.ReplicaWrites), o.ReplicaWrites, "must be Reject or ForwardToPrimary");
        }

        if (o.ForwardedWriteTimeout <= TimeSpan.Zero || o.ForwardedWriteTimeout.TotalMilliseconds > int.MaxValue)
        {
            Fail(nameof(o.ForwardedWriteTimeout), o.ForwardedWriteTimeout, "must be positive and at most 24.20:31:23.647 (int.MaxValue ms)");
        }

        if (o.ReplicaPriority < 0)
        {
            Fail(nameof(o.ReplicaPriority), o.ReplicaPriority, "must be 0 (never promoted by Sentinel) or more");
        }

        if (o.MinReplicasToWrite < 0)
        {
            Fail(nameof(o.MinReplicasToWrite), o.MinReplicasToWrite, "must be zero or more");
        }

        if (o.MinReplicasMaxLag <= TimeSpan.Zero)
        {
            Fail(nameof(o.MinReplicasMaxLag), o.MinReplicasMaxLag, "must be positive");
        }

        if (o.HeartbeatInterval <= TimeSpan.Zero)
        {
            Fail(nameof(o.HeartbeatInterval), o.HeartbeatInterval, "must be positive");
        }

        if (o.ReplicationTimeout <= o.HeartbeatInterval)
        {
            Fail(nameof(o.ReplicationTimeout), o.ReplicationTimeout, $"must be longer than HeartbeatInterval ({o.HeartbeatInterval}), or every idle link would time out");
        }

        if (o.AuthToken is { Length: 0 })
        {
            Fail(nameof(o.AuthToken), "", "must be null (no authentication) or non-empty");
        }

        if (o.AuthTokenGracePeriod < TimeSpan.Zero || o.AuthTokenGracePeriod > TimeSpan.FromDays(1))
        {
            Fail(nameof(o.AuthTokenGracePeriod), o.AuthTokenGracePeriod, "must be between zero (the old token stops working at once) and one day");
        }

        if (o.SnapshotPath is { } path && string.IsNullOrWhiteSpace(path))
        {
            Fail(nameof(o.SnapshotPath), path, "must be null (memory only) or a file path");
        }

        if (o.SnapshotInterval is { } interval && interval <= TimeSpan.Zero)
        {
            Fail(nameof(o.SnapshotInterval), interval, "must be null (no scheduled saves) or positive");
        }

        if (o.SnapshotInterval is not null && o.SnapshotPath is null)
        {
            Fail(nameof(o.SnapshotInterval), o.SnapshotInterval, "needs SnapshotPath: there is nowhere to save to");
        }

        if (o.SnapshotMinChanges < 1)
        {
            Fail(nameof(o.SnapshotMinChanges), o.SnapshotMinChanges, "must be at least 1");
        }

        if (o.SnapshotSavePoints is null)
        {
            Fail(nameof(o.SnapshotSavePoints), null, "must not be null (empty: no save points)");
        }
        else
        {
            for (int i = 0; i < o.SnapshotSavePoints.Count; i++)
            {
                SnapshotSavePoint? point = o.SnapshotSavePoints[i];
                if (point is null || point.Interval <= TimeSpan.Zero || point.MinChanges < 1)
                {
                    Fail($"{nameof(o.SnapshotSavePoints)}[{i}]", point, "must have a positive Interval and MinChanges of at least 1");
                }
            }

            if (o.SnapshotSavePoints.Count > 0 && o.SnapshotPath is null)
            {
                Fail(nameof(o.SnapshotSavePoints), $"{o.SnapshotSavePoints.Count} points", "needs SnapshotPath: there is nowhere to save to");
            }
        }

        if (o.SizeLimitBytes is <= 0)
        {
            Fail(nameof(o.SizeLimitBytes), o.SizeLimitBytes, "must be null (unbounded) or positive");
        }

        if (o.MaxKeyBytes is < 1 or > ReplicatedCacheOptions.MaxKeyBytesCeiling)
        {
            Fail(nameof(o.MaxKeyBytes), o.MaxKeyBytes, $"must be 1 to {ReplicatedCacheOptions.MaxKeyBytesCeiling} bytes");
        }

        if (o.MaxValueBytes is < 0 or > ReplicatedCacheOptions.MaxValueBytesCeiling)
        {
            Fail(nameof(o.MaxValueBytes), o.MaxValueBytes, $"must be 0 to {ReplicatedCacheOptions.MaxValueBytesCeiling} bytes");
        }

        if (o.RespListen is { } resp && !IsHostAndPort(resp))
        {
            Fail(nameof(o.RespListen), resp, "must be host:port, e.g. 127.0.0.1:6379");
        }

        ReplCache.Tls.TlsOptionsValidation.Check(o, Fail);
        CheckSentinel(o, Fail);

        if (o.TimeProvider is null)
        {
            Fail(nameof(o.TimeProvider), null, "must not be null");
        }

        return failures;
    }

    private static void CheckSentinel(ReplicatedCacheOptions o, Action<string, object?, string> fail)
    {
        if (o.Sentinel is not { } sentinel)
        {
            fail(nameof(o.Sentinel), null, "must not be null (leave Sentinel.Endpoints empty for a group without Sentinel)");
            return;
        }

        if (sentinel.Endpoints is null)
        {
            fail("Sentinel.Endpoints", null, "must not be null");
            return;
        }

        foreach (string endpoint in sentinel.Endpoints)
        {
            if (endpoint is null || !IsHostAndPort(endpoint) || endpoint.EndsWith(":0", StringComparison.Ordinal))
            {
                fail("Sentinel.Endpoints", endpoint, "must each be host:port with a non-zero port, e.g. 127.0.0.1:26379");
            }
        }

        if (sentinel.Endpoints.Count == 0)
        {
            if (sentinel.ServiceName is not null)
            {
                fail("Sentinel.ServiceName", sentinel.ServiceName, "is set but Sentinel.Endpoints is empty: name the Sentinels that monitor it");
            }

            return;
        }

        if (string.IsNullOrWhiteSpace(sentinel.ServiceName) || sentinel.ServiceName.Any(char.IsWhiteSpace))
        {
            fail("Sentinel.ServiceName", sentinel.ServiceName, "must be the master name the Sentinels monitor (no spaces) when Sentinel.Endpoints is set");
        }

        if (o.PrimaryAddress is not null)
        {
            fail(nameof(o.PrimaryAddress), o.PrimaryAddress, "must be null when Sentinel.Endpoints is set: the Sentinels say which node is the primary");
        }

        if (o.RespListen is null)
        {
            fail(nameof(o.RespListen), null, "must be set when Sentinel.Endpoints is set: Sentinel drives nodes through the Redis protocol, on the replication port");
        }
        else if (SentinelDiscovery.OwnEndPoint(o) is null)
        {
            fail(nameof(o.AnnounceAddress), o.AnnounceAddress,
                "must name this node's address (or RespListen a specific host and a non-zero port) when Sentinel.Endpoints is set: the node must recognise itself in the Sentinels' answer");
        }
    }

    private static bool IsHttpAddress(string text, bool allowPortZero) =>
        Uri.TryCreate(text, UriKind.Absolute, out Uri? uri)
        && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
        && !string.IsNullOrEmpty(uri.Host)
        && (allowPortZero ? uri.Port >= 0 : uri.Port > 0)
        && uri.AbsolutePath == "/";

    private static bool IsHostAndPort(string text)
    {
        int colon = text.LastIndexOf(':');
        return colon > 0
            && int.TryParse(text.AsSpan(colon + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int port)
            && port is >= 0 and <= 65535;
    }
}
