using System.Globalization;
using System.Text;

namespace ReplCache.Resp.Sentinel;

/// <summary>
/// What a Sentinel publishes on <c>__sentinel__:hello</c> of every node it watches, every 2 s and right after a
/// failover (sentinel.c's <c>sentinelSendHello</c>): itself, its current epoch, and the master it names for the
/// group, with that master's config epoch.
/// </summary>
internal sealed record SentinelHello(string MasterName, string MasterHost, int MasterPort, long MasterConfigEpoch)
{
    /// <summary>The channel the hellos go to.</summary>
    public static ReadOnlySpan<byte> Channel => "__sentinel__:hello"u8;

    /// <summary>
    /// Parses <c>sentinel_ip,sentinel_port,sentinel_runid,current_epoch,master_name,master_ip,master_port,master_config_epoch</c>;
    /// null for anything else (a client may publish on the channel too).
    /// </summary>
    public static SentinelHello? TryParse(ReadOnlySpan<byte> message)
    {
        if (message.Length > 1024)
        {
            return null;
        }

        string[] fields = Encoding.ASCII.GetString(message).Split(',');
        if (fields.Length != 8
            || !int.TryParse(fields[6], NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port is 0 or > 65535
            || !long.TryParse(fields[7], NumberStyles.None, CultureInfo.InvariantCulture, out long epoch)
            || fields[4].Length == 0 || fields[5].Length == 0)
        {
            return null;
        }

        return new SentinelHello(fields[4], fields[5], port, epoch);
    }
}
