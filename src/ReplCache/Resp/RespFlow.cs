namespace ReplCache.Resp;

/// <summary>What a connection does after a command.</summary>
internal enum RespFlow
{
    Continue,

    /// <summary>Send what was written, then close (QUIT, a protocol error).</summary>
    CloseAfterReply,

    /// <summary>Close without sending anything more (SHUTDOWN, as Redis: the client sees the connection end).</summary>
    CloseNow,
}
