namespace ReplCache;

/// <summary>
/// A write on a secondary with <see cref="ReplicatedCacheOptions.ReplicaWrites"/> set to
/// <see cref="ReplicaWriteMode.ForwardToPrimary"/> could not be forwarded to its primary: the link is down, or
/// broke while the write was in flight. <see cref="MayHaveBeenApplied"/> tells the two cases apart.
/// </summary>
public sealed class WriteForwardingException : InvalidOperationException
{
    /// <summary>Creates the exception for a write that certainly was not applied.</summary>
    public WriteForwardingException()
        : base("Cannot forward the write to the primary.")
    {
    }

    /// <summary>Creates the exception with a message of your own, for a write that certainly was not applied.</summary>
    public WriteForwardingException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause, for a write that certainly was not applied.</summary>
    public WriteForwardingException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with a message, saying whether the write may have been applied.</summary>
    public WriteForwardingException(string message, bool mayHaveBeenApplied)
        : base(message)
    {
        MayHaveBeenApplied = mayHaveBeenApplied;
    }

    /// <summary>
    /// False: the write never reached the primary, so nothing changed anywhere. True: it reached the primary (or was
    /// on its way) when the link broke; the primary may have applied it, as with any RPC whose answer is lost.
    /// </summary>
    public bool MayHaveBeenApplied { get; }
}
