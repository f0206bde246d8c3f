using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Unicode;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using ReplCache.Replication;

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

    public RespConnection(RespServer server, ConnectionContext transport, long id)
    {
        Server = server;
        _transport = transport;
        Id = id;
        Writer = new RespWriter(transport.Transport.Output);
        _parser = new RespParser(RespParser.BulkLimit(server.Options));
        Authenticated = server.Options.AuthToken is null;
        RemoteEndPoint = transport.RemoteEndPoint as IPEndPoint;
    }

    public RespServer Server { get; }

    public long Id { get; }

    public RespRequest Request { get; } = new();

    public RespWriter Writer { get; }

    public IPEndPoint? RemoteEndPoint { get; }

    /// <summary>Set by CLIENT SETNAME; null when unnamed.</summary>
    public string? Name { get; set; }

    public bool Authenticated { get; set; }

    /// <summary>Cancelled when the client goes away: a WAIT it asked for stops waiting.</summary>
    public CancellationToken Closed => _transport.ConnectionClosed;

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

                flow = await ExecuteAsync().ConfigureAwait(false);
                if (flow == RespFlow.Continue && output.UnflushedBytes > FlushThreshold)
                {
                    await output.FlushAsync().ConfigureAwait(false);
                }
            }

            // Everything was examined: the next read waits for new bytes instead of handing back the same ones.
            input.AdvanceTo(buffer.Start, read.Buffer.End);
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

    public void Dispose() => Request.Dispose();

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

    private ValueTask<RespFlow> ExecuteAsync()
    {
        Server.CountCommand();
        RespCommand? command = RespCommandTable.Find(Request[0]);
        if (command is null)
        {
            Writer.Error(UnknownCommand());
            return new(RespFlow.Continue);
        }

        // Redis's processCommand order: unknown command, arity, authentication, then the node's state.
        if (!command.AcceptsArgumentCount(Request.Count))
        {
            Writer.Error($"ERR wrong number of arguments for '{command.Name}' command");
            return new(RespFlow.Continue);
        }

        if (!Authenticated && (command.Flags & RespCommandFlags.NoAuth) == 0)
        {
            Writer.Raw("-NOAUTH Authentication required.\r\n"u8);
            return new(RespFlow.Continue);
        }

        try
        {
            if ((command.Flags & RespCommandFlags.Write) != 0)
            {
                Server.Gate.EnsureWritable(); // READONLY on a secondary, NOREPLICAS under min-replicas-to-write
            }
            else if ((command.Flags & RespCommandFlags.ReadOnly) != 0)
            {
                Server.Gate.EnsureReadable(); // MASTERDOWN with replica-serve-stale-data no
            }

            ValueTask<RespFlow> result = command.Handler(this);
            return result.IsCompletedSuccessfully ? result : AwaitAsync(command, result);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return new(Fail(command, ex));
        }
    }

    /// <summary>
    /// A command failed: the library's exceptions become Redis's replies; anything else is a fault worth a log line,
    /// answered with its message so that the client, not the whole connection, sees it.
    /// </summary>
    private RespFlow Fail(RespCommand command, Exception ex)
    {
        if (RespErrors.TryDescribe(ex, out string? error))
        {
            Writer.Error(error);
        }
        else
        {
            RespServer.Log.CommandFailed(Server.Logger, command.Name, Id, ex);
            Writer.Error("ERR " + ex.Message);
        }

        return RespFlow.Continue;
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<RespFlow> AwaitAsync(RespCommand command, ValueTask<RespFlow> pending)
    {
        try
        {
            return await pending.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return Fail(command, ex);
        }
    }

    /// <summary>Redis 7's words, with its limits: the name up to 128 bytes, arguments while the list is under 128.</summary>
    private string UnknownCommand()
    {
        var text = new StringBuilder("ERR unknown command '");
        ReadOnlySpan<byte> name = Request[0];
        text.Append(CString(name[..Math.Min(name.Length, 128)])).Append("', with args beginning with: ");
        var args = new StringBuilder();
        for (int i = 1; i < Request.Count && args.Length < 128; i++)
        {
            string arg = CString(Request[i]);
            int room = 128 - args.Length;
            args.Append('\'').Append(arg.AsSpan(0, Math.Min(arg.Length, room))).Append("' ");
        }

        return text.Append(args).ToString();
    }

    /// <summary>The text C's <c>%s</c> would print: up to the first NUL.</summary>
    private static string CString(ReadOnlySpan<byte> bytes)
    {
        int nul = bytes.IndexOf((byte)0);
        return Encoding.UTF8.GetString(nul >= 0 ? bytes[..nul] : bytes);
    }
}
