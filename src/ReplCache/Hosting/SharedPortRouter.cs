using System.Buffers;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using ReplCache.Resp;

namespace ReplCache.Hosting;

/// <summary>
/// Lets one port serve replication (gRPC over HTTP/2) and Redis clients, as one Redis port serves both its replicas
/// and its clients: a Kestrel connection middleware looks at the first bytes. An HTTP/2 client starts with the
/// preface <c>PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n</c>; a Redis client never does. Nothing is consumed, so whichever
/// side gets the connection reads it from its first byte. Under TLS the router runs after the handshake, on the
/// decrypted stream, so one TLS port serves both as well.
/// </summary>
internal static class SharedPortRouter
{
    private static ReadOnlySpan<byte> Preface => "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8;

    public static async Task RouteAsync(ConnectionContext connection, ConnectionDelegate http, RespServer resp)
    {
        // Over TLS, a gRPC client has already said h2 in ALPN; a Redis client negotiates nothing, so bytes decide.
        if (connection.Features.Get<Microsoft.AspNetCore.Server.Kestrel.Core.Features.ITlsApplicationProtocolFeature>()?.ApplicationProtocol.Span.SequenceEqual("h2"u8) == true)
        {
            await http(connection).ConfigureAwait(false);
            return;
        }

        PipeReader input = connection.Transport.Input;
        // A client that connects and says nothing must not hold the server's stop: Kestrel asks it to close.
        CancellationToken stopping = connection.Features.Get<IConnectionLifetimeNotificationFeature>()?.ConnectionClosedRequested ?? default;
        using var gone = CancellationTokenSource.CreateLinkedTokenSource(connection.ConnectionClosed, stopping);
        while (true)
        {
            ReadResult read;
            try
            {
                read = await input.ReadAsync(gone.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            ReadOnlySequence<byte> buffer = read.Buffer;
            Protocol protocol = Classify(buffer);
            if (protocol == Protocol.Undecided && !read.IsCompleted)
            {
                // Still a prefix of the preface: wait for more (examined all, consumed nothing).
                input.AdvanceTo(buffer.Start, buffer.End);
                continue;
            }

            // Consume and examine nothing, so the chosen protocol's first read returns these same bytes at once.
            input.AdvanceTo(buffer.Start, buffer.Start);
            if (protocol == Protocol.Http2)
            {
                await http(connection).ConfigureAwait(false);
            }
            else if (!buffer.IsEmpty)
            {
                // A RESP command, or a client that sent a few bytes and closed: RESP answers or ends it.
                await resp.RunConnectionAsync(connection).ConfigureAwait(false);
            }

            return;
        }
    }

    /// <summary>
    /// Decides as soon as it can: a RESP client may send fewer bytes than the preface ("PING\r\n" is 6), so the
    /// first byte that differs from the preface decides for RESP without waiting for 24.
    /// </summary>
    internal static Protocol Classify(ReadOnlySequence<byte> buffer)
    {
        Span<byte> head = stackalloc byte[Preface.Length];
        int length = (int)Math.Min(buffer.Length, Preface.Length);
        buffer.Slice(0, length).CopyTo(head);
        if (!head[..length].SequenceEqual(Preface[..length]))
        {
            return Protocol.Resp;
        }

        return length == Preface.Length ? Protocol.Http2 : Protocol.Undecided;
    }

    internal enum Protocol
    {
        Undecided,
        Http2,
        Resp,
    }
}
