namespace ReplCache.Resp;

internal enum RespParseStatus
{
    /// <summary>A whole command is in the request.</summary>
    Complete,

    /// <summary>More bytes are needed; everything given so far was consumed or must be kept (not an error).</summary>
    Incomplete,

    /// <summary>The input is malformed; the connection gets the error and is closed, as Redis does.</summary>
    Error,
}
