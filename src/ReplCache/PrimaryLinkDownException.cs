namespace ReplCache;

/// <summary>A read was made on a secondary whose link to its primary is not up, with <see cref="ReplicatedCacheOptions.ServeStaleData"/> off.</summary>
public sealed class PrimaryLinkDownException : InvalidOperationException
{
    /// <summary>The message Redis gives for the same refusal.</summary>
    public const string DefaultMessage = "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.";

    /// <summary>Creates the exception with Redis's message.</summary>
    public PrimaryLinkDownException()
        : base(DefaultMessage)
    {
    }

    /// <summary>Creates the exception with a message of your own.</summary>
    public PrimaryLinkDownException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public PrimaryLinkDownException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
