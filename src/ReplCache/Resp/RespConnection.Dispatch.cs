using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Text;

namespace ReplCache.Resp;

internal sealed partial class RespConnection
{
    private const string SubscribedContextError = "': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context";

    /// <summary>The command this client sent last (see <see cref="FindCommand"/>).</summary>
    private RespCommand? _lastCommand;

    /// <summary>
    /// Runs, queues or refuses the parsed command, in the order of Redis 7's <c>processCommand</c>: unknown command,
    /// arity, authentication, the node's state (READONLY, NOREPLICAS, MASTERDOWN), the subscribed context, then
    /// MULTI's queue. A refusal inside MULTI marks the transaction, so its EXEC answers EXECABORT.
    /// </summary>
    private ValueTask<RespFlow> ExecuteAsync()
    {
        Server.CountCommand();
        RespCommand? command = FindCommand();
        if (command is null)
        {
            return Reject(command, UnknownCommand());
        }

        if (!command.AcceptsArgumentCount(Request.Count))
        {
            return Reject(command, $"ERR wrong number of arguments for '{command.Name}' command");
        }

        if (!Authenticated && (command.Flags & RespCommandFlags.NoAuth) == 0)
        {
            return Reject(command, "NOAUTH Authentication required.");
        }

        // EXEC is checked for the commands it is about to run, as Redis checks it for the flags of its queue.
        RespCommandFlags flags = Transaction is { } queued && IsExec(command) ? command.Flags | queued.Flags : command.Flags;
        if ((flags & RespCommandFlags.Write) != 0 && Server.Gate.WritesPaused && (Transaction is null || IsExec(command)))
        {
            // FAILOVER pauses writes: this one waits, as a paused Redis client does, then meets the node as it is then.
            return AfterWritePauseAsync(command, flags);
        }

        return ExecuteUnpaused(command, flags);
    }

    /// <summary>
    /// The command named by the request. A client mostly repeats one command (a pipeline of SETs, a benchmark), so
    /// the last one found is compared first: a few bytes instead of decoding the name and hashing it.
    /// </summary>
    private RespCommand? FindCommand()
    {
        ReadOnlySpan<byte> name = Request[0];
        if (_lastCommand is { } last && Ascii.EqualsIgnoreCase(name, last.NameBytes))
        {
            return last;
        }

        RespCommand? found = RespCommandTable.Find(name);
        _lastCommand = found ?? _lastCommand;
        return found;
    }

    private async ValueTask<RespFlow> AfterWritePauseAsync(RespCommand command, RespCommandFlags flags)
    {
        while (Server.Gate.WritesPaused)
        {
            await Server.Gate.WritesResumedAsync(Server.Stopping).ConfigureAwait(false);
        }

        return await ExecuteUnpaused(command, flags).ConfigureAwait(false);
    }

    /// <summary>The rest of <see cref="ExecuteAsync"/>, once no pause holds the command back.</summary>
    private ValueTask<RespFlow> ExecuteUnpaused(RespCommand command, RespCommandFlags flags)
    {
        if (!TryPassGate(flags, out string? refused))
        {
            return Reject(command, refused);
        }

        if (IsSubscribed && (command.Flags & RespCommandFlags.WhileSubscribed) == 0)
        {
            return Reject(command, "ERR Can't execute '" + FullName(command) + SubscribedContextError);
        }

        if (Transaction is { } transaction && (command.Flags & RespCommandFlags.NotQueued) == 0)
        {
            if (!transaction.TryQueue(command, Request))
            {
                return Reject(command, $"ERR the transaction holds more than {RespTransaction.MaxQueuedBytes} bytes of queued arguments");
            }

            Writer.Raw("+QUEUED\r\n"u8);
            return new(RespFlow.Continue);
        }

        return Run(command);
    }

    /// <summary>
    /// Runs one command EXEC took from the queue, its arguments already in <see cref="Request"/>. The node's state is
    /// checked again, unlike Redis: a command queued before a SLAVEOF in the same transaction must not write on
    /// what has become a secondary, which never diverges from its primary.
    /// </summary>
    public ValueTask<RespFlow> RunQueued(RespCommand command)
    {
        if (!TryPassGate(command.Flags, out string? refused))
        {
            Writer.Error(refused);
            return new(RespFlow.Continue);
        }

        return Run(command);
    }

    private static bool IsExec(RespCommand command) => string.Equals(command.Name, "exec", StringComparison.Ordinal);

    /// <summary>READONLY on a secondary, NOREPLICAS under min-replicas-to-write, MASTERDOWN with replica-serve-stale-data no.</summary>
    private bool TryPassGate(RespCommandFlags flags, [NotNullWhen(false)] out string? error)
    {
        try
        {
            if ((flags & RespCommandFlags.Write) != 0)
            {
                Server.Gate.EnsureWritable();
            }
            else if ((flags & RespCommandFlags.ReadOnly) != 0)
            {
                Server.Gate.EnsureReadable();
            }

            error = null;
            return true;
        }
        catch (Exception ex) when (RespErrors.TryDescribe(ex, out error))
        {
            return false;
        }
    }

    /// <summary>
    /// Redis's <c>rejectCommand</c>: the error reply; inside MULTI the transaction is marked so that EXEC aborts,
    /// and a refused EXEC itself discards the transaction with <c>EXECABORT ... because of: error</c>.
    /// </summary>
    private ValueTask<RespFlow> Reject(RespCommand? command, string error)
    {
        if (Transaction is { } transaction)
        {
            if (command is not null && IsExec(command))
            {
                Transaction = null;
                Writer.Error("EXECABORT Transaction discarded because of: " + error);
                return new(RespFlow.Continue);
            }

            transaction.Abort();
        }

        Writer.Error(error);
        return new(RespFlow.Continue);
    }

    private ValueTask<RespFlow> Run(RespCommand command)
    {
        try
        {
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

    /// <summary>Redis's <c>fullname</c>: <c>client|setname</c> for a subcommand, the name otherwise.</summary>
    private string FullName(RespCommand command) =>
        (command.Flags & RespCommandFlags.Container) != 0 && Request.Count > 1
            ? command.Name + "|" + CString(Request[1]).ToLowerInvariant()
            : command.Name;

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
