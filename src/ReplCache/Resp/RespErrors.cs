using System.Diagnostics.CodeAnalysis;

namespace ReplCache.Resp;

/// <summary>The library's exceptions as the error replies Redis gives in the same situations.</summary>
internal static class RespErrors
{
    public static bool TryDescribe(Exception exception, [NotNullWhen(true)] out string? error)
    {
        error = exception switch
        {
            // A fenced stale primary's message names why, and starts with READONLY as clients expect.
            ReadOnlyReplicaException e => e.Message.StartsWith("READONLY ", StringComparison.Ordinal) ? e.Message : ReadOnlyReplicaException.DefaultMessage,
            NotEnoughReplicasException => "NOREPLICAS Not enough good replicas to write.",
            PrimaryLinkDownException => "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.",
            // The only ArgumentOutOfRange a store write throws: the entry alone is larger than SizeLimitBytes.
            ArgumentOutOfRangeException { ParamName: "value" } => "OOM command not allowed when used memory > 'maxmemory'.",
            _ => null,
        };
        return error is not null;
    }
}
