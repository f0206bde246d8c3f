using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Text;
using System.Text.Unicode;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;

namespace ReplCache.Resp;

/// <summary>
/// One client of the Redis-protocol endpoint (Redis's <c>client</c>): reads commands from its pipe, runs them in
/// order and writes their replies, flushing once per batch of pipelined commands.
/// </summary>
internal sealed partial class RespConnection : IDisposable
{
    /// <summary>Flush between pipelined commands once this much is waiting, so KEYS on a large store does not pile up.</summary>
    private const long FlushThreshold = 64 * 1024;

    private readonly ConnectionContext _transport;
    private readonly RespParser _parser;
    private string? _killedBecause;

    public RespConnection(RespServer server, ConnectionContext transport, long id)
    {
        Server = server;
        _transport = transport;
        Id = id;
        Writer = new RespWriter(transport.Transport.Output);
        _parser = new RespParser(RespParser.BulkLimit(server.Options));
        Authenticated = server.Options.AuthToken is null;
        RemoteEndPoint = transport.RemoteEndPoint as IPEndPoint;
        LocalEndPoint = transport.LocalEndPoint as IPEndPoint;
    }

    public RespServer Server { get; }

    public long Id { get; }

    public RespRequest Request { get; } = new();

    public RespWriter Writer { get; }

    public IPEndPoint? RemoteEndPoint { get; }

    /// <summary>The endpoint's address this client connected to (CLIENT KILL LADDR).</summary>
    public IPEndPoint? LocalEndPoint { get; }

    /// <summary>Set by CLIENT SETNAME; null when unnamed.</summary>
    public string? Name { get; set; }

    public bool Authenticated { get; set; }

    /// <summary>Cancelled when the client goes away: a WAIT it asked for stops waiting.</summary>
    public CancellationToken Closed => _transport.ConnectionClosed;

    /// <summary>Why <see cref="Kill"/> closed it, for the log line of its end (an aborted read just ends); null otherwise.</summary>
    public string? KilledBecause => Volatile.Read(ref _killedBecause);

    /// <summary>The commands queued since MULTI; null outside a transaction.</summary>
    public RespTransaction? Transaction { get; set; }

    /// <summary>True while EXEC runs the queued commands: WAIT then answers at once, as Redis denies blocking there.</summary>
    public bool InExec { get; set; }

    /// <summary>What CLIENT KILL TYPE matches: pubsub while subscribed to anything, normal otherwise.</summary>
    public RespClientType Type => IsSubscribed ? RespClientType.PubSub : RespClientType.Normal;

    /// <summary>Serves the connection until the client leaves, a command closes it, or the server stops.</summary>
    public async Task RunAsync()
    {
        PipeReader input = _transport.Transport.Input;
        PipeWriter output = _transport.Transport.Output;
        // Kestrel asks connections to close when it stops; a client idle in a read must not hold the node's stop.
        CancellationToken stopping = _transport.Features.Get<IConnectionLifetimeNotificationFeature>()?.ConnectionClosedRequested ?? default;
        while (true)
        {
            ReadResult read;
            try
            {
                read = await input.ReadAsync(stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            // Messages published before these commands arrived go first, as Redis has them in the output already.
            // (A read ends early, IsCanceled, when a publisher wakes this loop; its buffer is handled as any other.)
            if (_subscriber is { } woken && woken.Outbox.Bytes > 0)
            {
                await DeliverAsync(woken, output).ConfigureAwait(false);
            }

            ReadOnlySequence<byte> buffer = read.Buffer;
            RespFlow flow = RespFlow.Continue;
            while (flow == RespFlow.Continue)
            {
                RespParseStatus status = _parser.TryParse(ref buffer, Request, Authenticated);
                if (status == RespParseStatus.Incomplete)
                {
                    break;
                }

                if (status == RespParseStatus.Error)
                {
                    RespServer.Log.ProtocolError(Server.Logger, Id, Describe(), _parser.Error!);
                    Writer.Error("ERR " + _parser.Error);
                    flow = RespFlow.CloseAfterReply;
                    break;
                }

                flow = await (TracesCommands ? ExecuteTracedAsync() : ExecuteAsync()).ConfigureAwait(false);
                if (flow == RespFlow.Continue && output.UnflushedBytes > FlushThreshold)
                {
                    await output.FlushAsync().ConfigureAwait(false);
                }
            }

            // Everything was examined: the next read waits for new bytes instead of handing back the same ones.
            input.AdvanceTo(buffer.Start, read.Buffer.End);
            if (flow == RespFlow.Continue && _subscriber is { } subscriber && subscriber.Outbox.Bytes > 0)
            {
                await DeliverAsync(subscriber, output).ConfigureAwait(false);
            }

            if (flow != RespFlow.CloseNow)
            {
                FlushResult flushed = await output.FlushAsync().ConfigureAwait(false);
                if (flushed.IsCompleted)
                {
                    return;
                }
            }

            if (flow != RespFlow.Continue || read.IsCompleted)
            {
                return;
            }
        }
    }

    /// <summary>"id=7 addr=127.0.0.1:50123 name=x", for logs.</summary>
    public string Describe() => Name is null ? $"{RemoteEndPoint}" : $"{RemoteEndPoint} ({Name})";

    /// <summary>
    /// Closes the connection from another client's command (CLIENT KILL), as Redis's <c>freeClient</c>: the socket is
    /// aborted at once, whatever this connection is doing; its loop then ends and its registrations are undone.
    /// </summary>
    public void Kill(string reason)
    {
        Interlocked.CompareExchange(ref _killedBecause, reason, null);
        // Gone from the client list and from every channel now, as Redis frees a killed client at once: a PUBLISH
        // or a CLIENT KILL after this one no longer finds it.
        Server.Clients.Remove(this);
        if (Volatile.Read(ref _subscriber) is { } subscriber)
        {
            subscriber.UnsubscribeAll();
            subscriber.Outbox.Clear(); // never to be written: the socket is going
        }

        try
        {
            _transport.Abort(new ConnectionAbortedException(reason));
        }
        catch (ObjectDisposedException)
        {
            // It ended on its own between being found and being killed.
        }
    }

    /// <summary>
    /// RESET: back to a fresh connection's state, as Redis's <c>clearClientConnectionState</c> — no transaction,
    /// no subscriptions, no name, and authenticated only if no password is set.
    /// </summary>
    public void Reset()
    {
        Transaction = null;
        UnsubscribeAll();
        WritePendingMessages(); // published before the RESET: they go before its reply, as in Redis
        Name = null;
        Authenticated = Server.Options.AuthToken is null;
    }

    public void Dispose()
    {
        UnsubscribeAll();
        _subscriber?.Outbox.Clear();
        Request.Dispose();
    }

    /// <summary>Validates key argument <paramref name="index"/>; writes the error and returns false when it is not UTF-8.</summary>
    /// <remarks>
    /// The store keeps UTF-8 keys because IDistributedCache users name keys with strings; a key of arbitrary bytes
    /// would be stored but unreachable for them (and would decode to some other key's text), so it is refused.
    /// </remarks>
    public bool TryKey(int index, out ReadOnlySpan<byte> key)
    {
        key = Request[index];
        if (Utf8.IsValid(key))
        {
            return true;
        }

        Writer.Error("ERR invalid key: ReplCache keys are strings, and this key is not valid UTF-8");
        return false;
    }

    /// <summary>
    /// Validates the key and value of a write: the key as <see cref="TryKey"/>, both against MaxKeyBytes and
    /// MaxValueBytes (Redis's "string exceeds maximum allowed size", naming our limit); writes the error and returns
    /// false when either fails.
    /// </summary>
    public bool TryEntry(int keyIndex, int valueIndex, out ReadOnlySpan<byte> key)
    {
        if (!TryKey(keyIndex, out key))
        {
            return false;
        }

        if (Server.Store.Limits.DescribeExcess(key.Length, Request[valueIndex].Length) is { } error)
        {
            Writer.Error(error);
            return false;
        }

        return true;
    }

    /// <summary>Reads an integer argument; writes Redis's error and returns false when it is not one.</summary>
    public bool TryInteger(int index, out long value)
    {
        if (RespNumber.TryParse(Request[index], out value))
        {
            return true;
        }

        Writer.Error("ERR value is not an integer or out of range");
        return false;
    }

    /// <summary>True when argument <paramref name="index"/> is <paramref name="word"/> (ASCII, any case).</summary>
    public bool Is(int index, ReadOnlySpan<byte> word) => Ascii.EqualsIgnoreCase(Request[index], word);

    public string Text(int index) => Encoding.UTF8.GetString(Request[index]);
}
