using System.Diagnostics.CodeAnalysis;

namespace ReplCache.Resp;

/// <summary>The library's exceptions as the error replies Redis gives in the same situations.</summary>
internal static class RespErrors
{
    public static bool TryDescribe(Exception exception, [NotNullWhen(true)] out string? error)
    {
        error = exception switch
        {
            ReadOnlyReplicaException => "READONLY You can't write against a read only replica.",
            NotEnoughReplicasException => "NOREPLICAS Not enough good replicas to write.",
            PrimaryLinkDownException => "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.",
            // The only ArgumentOutOfRange a store write throws: the entry alone is larger than SizeLimitBytes.
            ArgumentOutOfRangeException { ParamName: "value" } => "OOM command not allowed when used memory > 'maxmemory'.",
            _ => null,
        };
        return error is not null;
    }
}
