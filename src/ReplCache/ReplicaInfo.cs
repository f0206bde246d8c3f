namespace ReplCache;

/// <summary>One directly connected secondary, as its primary sees it (Redis's <c>slaveN:</c> line).</summary>
/// <param name="NodeId">The secondary's node id.</param>
/// <param name="Address">The address it announced, if any.</param>
/// <param name="State">Redis's words: <c>wait_bgsave</c>, <c>send_bulk</c> or <c>online</c>.</param>
/// <param name="AckedOffset">The last offset it acknowledged having applied.</param>
/// <param name="Lag">Time since its last acknowledgement.</param>
public sealed record ReplicaInfo(string NodeId, Uri? Address, string State, long AckedOffset, TimeSpan Lag)
{
    /// <summary>
    /// The <c>ip=</c> of its <c>slaveN:</c> line: an IP literal, as Redis Sentinel requires (it ignores a host name) —
    /// the announced host when that is one, else the address the secondary connected from; null when unknown.
    /// </summary>
    public string? Ip { get; init; }

    /// <summary>
    /// The <c>port=</c> of its <c>slaveN:</c> line: where its Redis-protocol endpoint serves clients (Redis's
    /// listening port, which Sentinel connects to); 0 when it did not say, and the announced port is shown.
    /// </summary>
    public int RespPort { get; init; }

    /// <summary>What INFO and ROLE show as its ip: <see cref="Ip"/>, else the announced host.</summary>
    internal string ShownIp => Ip ?? Address?.DnsSafeHost ?? "?";

    /// <summary>What INFO and ROLE show as its port: <see cref="RespPort"/>, else the announced port (right when RESP shares it).</summary>
    internal int ShownPort => RespPort > 0 ? RespPort : Address?.Port ?? 0;
}
