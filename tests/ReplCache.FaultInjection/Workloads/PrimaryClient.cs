using System.Net.Sockets;

namespace ReplCache.FaultInjection.Workloads;

/// <summary>
/// One client connection to the primary, through its client proxy: on any failure or error reply it drops the
/// connection, asks the Sentinels again and reconnects, as StackExchange.Redis does.
/// </summary>
public sealed class PrimaryClient(PrimaryLocator locator) : IAsyncDisposable
{
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(1);
    private RespConnection? _connection;

    /// <summary>The reply, or null when the call failed (the write's outcome is then unknown).</summary>
    public async Task<object?> CallAsync(CancellationToken cancellationToken, params string[] args)
    {
        try
        {
            _connection ??= await RespConnection.ConnectAsync(locator.ClientPort, CallTimeout, cancellationToken).ConfigureAwait(false);
            object? reply = await _connection.CallAsync(CallTimeout, cancellationToken, args).ConfigureAwait(false);
            if (reply is RespError)
            {
                await ResetAsync(cancellationToken).ConfigureAwait(false);
            }

            return reply;
        }
        catch (Exception ex) when (ex is SocketException or IOException or TimeoutException or InvalidDataException)
        {
            await ResetAsync(cancellationToken).ConfigureAwait(false);
            return null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_connection is not null)
        {
            await _connection.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task ResetAsync(CancellationToken cancellationToken)
    {
        if (_connection is not null)
        {
            await _connection.DisposeAsync().ConfigureAwait(false);
            _connection = null;
        }

        await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        await locator.RefreshAsync(cancellationToken).ConfigureAwait(false);
    }
}
