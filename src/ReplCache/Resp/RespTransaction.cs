namespace ReplCache.Resp;

/// <summary>
/// A connection's MULTI state (Redis's <c>multiState</c>): the commands queued for EXEC, each with a copy of its
/// arguments (the connection reuses its request buffer for the next command), whether a queue-time error marked it
/// (Redis's <c>CLIENT_DIRTY_EXEC</c>), and the union of the queued commands' flags, which EXEC is checked against.
/// </summary>
internal sealed class RespTransaction
{
    /// <summary>
    /// At most this many argument bytes wait in one queue: Redis's <c>client-query-buffer-limit</c>, so a client that
    /// never sends EXEC cannot hold more of the node's memory than one command may.
    /// </summary>
    public const long MaxQueuedBytes = RespParser.MaxRequestBytes;

    private readonly List<(RespCommand Command, byte[][] Arguments)> _queued = [];
    private long _bytes;

    /// <summary>A command was refused while queueing: EXEC answers EXECABORT and runs nothing.</summary>
    public bool Aborted { get; private set; }

    /// <summary>Every queued command's flags together (Redis's <c>mstate.cmd_flags</c>).</summary>
    public RespCommandFlags Flags { get; private set; }

    public int Count => _queued.Count;

    public void Abort() => Aborted = true;

    /// <summary>Queues a copy of <paramref name="request"/>; false (nothing queued) past <see cref="MaxQueuedBytes"/>.</summary>
    public bool TryQueue(RespCommand command, RespRequest request)
    {
        if (_bytes + request.TotalBytes > MaxQueuedBytes)
        {
            return false;
        }

        var arguments = new byte[request.Count][];
        for (int i = 0; i < arguments.Length; i++)
        {
            arguments[i] = request[i].ToArray();
        }

        _queued.Add((command, arguments));
        _bytes += request.TotalBytes;
        Flags |= command.Flags;
        return true;
    }

    /// <summary>Puts queued command <paramref name="index"/>'s arguments back into <paramref name="request"/> and returns the command.</summary>
    public RespCommand Load(int index, RespRequest request)
    {
        (RespCommand command, byte[][] arguments) = _queued[index];
        request.Clear();
        foreach (byte[] argument in arguments)
        {
            request.Add(argument);
        }

        return command;
    }
}
