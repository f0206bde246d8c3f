using System.IO.Pipelines;

namespace ReplCache.Hosting.Transport;

/// <summary>A connection's two pipes as Kestrel takes them: what the peer sent, and what goes to it.</summary>
internal sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
{
    public PipeReader Input => input;

    public PipeWriter Output => output;
}
