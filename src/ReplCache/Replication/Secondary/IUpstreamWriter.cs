using ReplCache.Protocol;

namespace ReplCache.Replication.Secondary;

/// <summary>
/// What a secondary sends its primary after Hello (acknowledgements, touches, forwarded writes): on a Sync call's
/// request stream (<see cref="RequestStreamWriter"/>) or in a Follow call's Report calls (<see cref="ReportWriter"/>).
/// </summary>
internal interface IUpstreamWriter
{
    /// <summary>Sends <paramref name="message"/> after every message written before it; completes once it is sent.</summary>
    Task WriteAsync(SecondaryMessage message, CancellationToken cancellationToken);
}
