using ReplCache.Diagnostics;

namespace ReplCache.Resp;

internal sealed partial class RespConnection
{
    /// <summary>
    /// Whether this command is traced: only with <see cref="ReplicatedCacheOptions.TraceRespCommands"/> and a listener,
    /// so the ordinary path pays one option read and nothing else.
    /// </summary>
    private bool TracesCommands => Server.Options.TraceRespCommands && ReplCacheTracing.HasListeners;

    /// <summary><see cref="ExecuteAsync"/> inside a span named by the command (unknown ones as UNKNOWN, never by what the client sent).</summary>
    private async ValueTask<RespFlow> ExecuteTracedAsync()
    {
        string name = RespCommandTable.Find(Request[0])?.Name.ToUpperInvariant() ?? "UNKNOWN";
        using TracedSpan span = ReplCacheTracing.RespCommand(name, Server.State.NodeId, RemoteEndPoint?.Address.ToString());
        try
        {
            RespFlow flow = await ExecuteAsync().ConfigureAwait(false);
            span.Succeed();
            return flow;
        }
        catch (Exception ex)
        {
            span.Fail(ex);
            throw;
        }
    }
}
