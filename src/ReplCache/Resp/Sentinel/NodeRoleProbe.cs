using System.Net.Sockets;

namespace ReplCache.Resp.Sentinel;

/// <summary>
/// Asks the node at an address, over RESP, who it is and what it is: its INFO's <c>run_id</c> and <c>role</c>. A
/// Sentinel names nodes by addresses this node may not recognise as its own (an announced address, a proxy, a DNS
/// name), so the answer, not the address, says whether a hello names this node.
/// </summary>
internal static class NodeRoleProbe
{
    /// <summary>Longer than a node takes to answer INFO; short enough that a stopped node does not hold the check.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(1);

    /// <returns>The run id and role (<c>master</c> or <c>slave</c>), or null when the node did not say in time.</returns>
    public static async Task<(string RunId, string Role)?> AskAsync(string host, int port, string? authToken, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        try
        {
            using RespLineClient client = await RespLineClient.ConnectAsync(host, port, timeout.Token).ConfigureAwait(false);
            if (await client.SendAsync(authToken, ["INFO"], timeout.Token).ConfigureAwait(false) is not null)
            {
                return null;
            }

            string header = await client.ReadLineAsync(timeout.Token).ConfigureAwait(false);
            if (!header.StartsWith('$'))
            {
                return null; // an error (NOAUTH, a protected node): no answer
            }

            string? runId = null, role = null;
            for (int line = 0; line < 1000 && (runId is null || role is null); line++)
            {
                string text = await client.ReadLineAsync(timeout.Token).ConfigureAwait(false);
                if (text.StartsWith("run_id:", StringComparison.Ordinal))
                {
                    runId = text["run_id:".Length..];
                }
                else if (text.StartsWith("role:", StringComparison.Ordinal))
                {
                    role = text["role:".Length..];
                }
            }

            return runId is not null && role is not null ? (runId, role) : null;
        }
        catch (Exception ex) when (ex is SocketException or IOException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return null;
        }
    }
}
