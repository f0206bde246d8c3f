namespace ReplCache;

/// <summary>A write was refused because fewer than <see cref="ReplicatedCacheOptions.MinReplicasToWrite"/> secondaries acknowledged within <see cref="ReplicatedCacheOptions.MinReplicasMaxLag"/>.</summary>
public sealed class NotEnoughReplicasException : InvalidOperationException
{
    /// <summary>The message Redis gives for the same refusal.</summary>
    public const string DefaultMessage = "NOREPLICAS Not enough good replicas to write.";

    /// <summary>Creates the exception with Redis's message.</summary>
    public NotEnoughReplicasException()
        : base(DefaultMessage)
    {
    }

    /// <summary>Creates the exception with a message of your own.</summary>
    public NotEnoughReplicasException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public NotEnoughReplicasException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
