namespace ReplCache.Storage;

/// <summary>Reads the configured <see cref="TimeProvider"/> as unix milliseconds, the unit every deadline is kept in.</summary>
internal sealed class StoreClock(TimeProvider timeProvider)
{
    public TimeProvider TimeProvider { get; } = timeProvider;

    public long NowMs() => TimeProvider.GetUtcNow().ToUnixTimeMilliseconds();

    public DateTimeOffset UtcNow() => TimeProvider.GetUtcNow();
}
