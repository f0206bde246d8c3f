using Grpc.Core;
using ReplCache.Protocol;

namespace ReplCache.Replication.Secondary;

/// <summary>
/// The secondary's side of a Sync call, shared by the acknowledgement loop and the write forwarder: a gRPC
/// stream takes one write at a time (a second concurrent WriteAsync throws), so each waits its turn.
/// </summary>
internal sealed class RequestStreamWriter(IClientStreamWriter<SecondaryMessage> stream) : IUpstreamWriter
{
    private readonly SemaphoreSlim _turn = new(1, 1);

    public async Task WriteAsync(SecondaryMessage message, CancellationToken cancellationToken)
    {
        await _turn.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await stream.WriteAsync(message, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _turn.Release();
        }
    }
}
