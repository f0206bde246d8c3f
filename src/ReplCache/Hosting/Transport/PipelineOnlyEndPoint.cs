using System.Net;
using Microsoft.AspNetCore.Connections;

namespace ReplCache.Hosting.Transport;

/// <summary>
/// An endpoint that accepts no connection: Kestrel builds its HTTP pipeline, and <see cref="SharedPortRouter"/>
/// hands it connections that arrived on the real port. This is how one cleartext port serves HTTP/2 (which Kestrel
/// serves only on an HTTP/2-only endpoint) beside HTTP/1.1.
/// </summary>
internal sealed class PipelineOnlyEndPoint(string name) : EndPoint
{
    public string Name { get; } = name;

    public override string ToString() => $"pipeline-only:{Name}";

    /// <summary>Its listener: accepts nothing until Kestrel unbinds it.</summary>
    internal sealed class Listener(PipelineOnlyEndPoint endpoint) : IConnectionListener
    {
        private readonly CancellationTokenSource _unbound = new();

        public EndPoint EndPoint => endpoint;

        public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
        {
            using var either = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _unbound.Token);
            try
            {
                await Task.Delay(Timeout.Infinite, either.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }

            return null;
        }

        public async ValueTask UnbindAsync(CancellationToken cancellationToken = default) => await _unbound.CancelAsync().ConfigureAwait(false);

        public async ValueTask DisposeAsync()
        {
            // Kestrel unbinds first; whatever it did, the accept loop ends and the source is let go of once.
            if (!_unbound.IsCancellationRequested)
            {
                await _unbound.CancelAsync().ConfigureAwait(false);
            }
        }
    }
}
