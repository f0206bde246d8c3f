using System.Buffers;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using ReplCache.Hosting.Transport;
using ReplCache.Resp;

namespace ReplCache.Hosting;

/// <summary>
/// Lets one port serve replication (gRPC over HTTP/2, and gRPC-Web over HTTP/1.1) and Redis clients, as one Redis
/// port serves both its replicas and its clients: a Kestrel connection middleware looks at the first bytes. An HTTP/2
/// client starts with the preface <c>PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n</c>, a gRPC-Web one with <c>POST </c>; a
/// Redis client never does (Redis itself drops a client whose first word is POST, as a cross-protocol attack).
/// Nothing is consumed, so whichever side gets the connection reads it from its first byte. Under TLS the router runs
/// after the handshake, on the decrypted stream, so one TLS port serves all three as well.
/// </summary>
/// <remarks>
/// Kestrel serves cleartext HTTP/2 only on an endpoint that speaks nothing else, and HTTP/1.1 on an endpoint that
/// allows both; so the endpoint allows both and an HTTP/2 connection is handed to the
/// pipeline of an HTTP/2-only endpoint that accepts nothing itself (see <see cref="Transport.PipelineOnlyEndPoint"/>).
/// </remarks>
internal static class SharedPortRouter
{
    private static ReadOnlySpan<byte> Preface => "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8;

    private static ReadOnlySpan<byte> Http1Post => "POST "u8;

    /// <param name="connection">A connection just accepted (and, under TLS, decrypted).</param>
    /// <param name="http">The endpoint's own pipeline: HTTP/1.1, and HTTP/2 when TLS negotiated it.</param>
    /// <param name="http2">An HTTP/2-only pipeline for cleartext HTTP/2 (prior knowledge); null under TLS.</param>
    /// <param name="resp">The Redis-protocol server, or null when this port serves no Redis clients.</param>
    public static async Task RouteAsync(ConnectionContext connection, ConnectionDelegate http, ConnectionDelegate? http2, RespServer? resp)
    {
        // Over TLS, a gRPC client has already said h2 or http/1.1 in ALPN; a Redis client negotiates nothing, so bytes decide.
        ReadOnlyMemory<byte> alpn = connection.Features.Get<Microsoft.AspNetCore.Server.Kestrel.Core.Features.ITlsApplicationProtocolFeature>()?.ApplicationProtocol ?? default;
        if (alpn.Span.SequenceEqual("h2"u8) || alpn.Span.SequenceEqual("http/1.1"u8))
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
                await (http2 ?? http)(connection).ConfigureAwait(false);
            }
            else if (protocol == Protocol.Http1 || resp is null)
            {
                // HTTP/1.1, or (with no Redis clients here) anything else: Kestrel answers what is not HTTP.
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
        if (head[..length].SequenceEqual(Preface[..length]))
        {
            return length == Preface.Length ? Protocol.Http2 : Protocol.Undecided;
        }

        int post = Math.Min(length, Http1Post.Length);
        if (head[..post].SequenceEqual(Http1Post[..post]))
        {
            return post == Http1Post.Length ? Protocol.Http1 : Protocol.Undecided;
        }

        return Protocol.Resp;
    }

    internal enum Protocol
    {
        Undecided,
        Http2,
        Http1,
        Resp,
    }
}
