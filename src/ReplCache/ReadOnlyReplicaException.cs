namespace ReplCache;

/// <summary>A write was made on a secondary whose <see cref="ReplicatedCacheOptions.ReplicaWrites"/> is <see cref="ReplicaWriteMode.Reject"/>.</summary>
public sealed class ReadOnlyReplicaException : InvalidOperationException
{
    /// <summary>The message Redis gives for the same refusal.</summary>
    public const string DefaultMessage = "READONLY You can't write against a read only replica.";

    /// <summary>Creates the exception with Redis's message.</summary>
    public ReadOnlyReplicaException()
        : base(DefaultMessage)
    {
    }

    /// <summary>Creates the exception with a message of your own.</summary>
    public ReadOnlyReplicaException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public ReadOnlyReplicaException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
