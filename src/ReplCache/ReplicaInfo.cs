namespace ReplCache;

/// <summary>One directly connected secondary, as its primary sees it (Redis's <c>slaveN:</c> line).</summary>
/// <param name="NodeId">The secondary's node id.</param>
/// <param name="Address">The address it announced, if any.</param>
/// <param name="State">Redis's words: <c>wait_bgsave</c>, <c>send_bulk</c> or <c>online</c>.</param>
/// <param name="AckedOffset">The last offset it acknowledged having applied.</param>
/// <param name="Lag">Time since its last acknowledgement.</param>
public sealed record ReplicaInfo(string NodeId, Uri? Address, string State, long AckedOffset, TimeSpan Lag);
