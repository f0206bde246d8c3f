using System.Diagnostics;

namespace ReplCache.Diagnostics;

/// <summary>
/// One span of remote work, or nothing when no listener samples it (then every call is a no-op and nothing is
/// allocated). It ends on <see cref="Dispose"/>; one that did not <see cref="Succeed"/> first ended early — the stream
/// broke, the call was cancelled — and is marked as an error, so a <c>using</c> covers every way out.
/// </summary>
internal sealed class TracedSpan : IDisposable
{
    /// <summary>The span when nobody listens.</summary>
    public static readonly TracedSpan None = new(null);

    private readonly Activity? _activity;
    private bool _ended;
    private bool _disposed;

    public TracedSpan(Activity? activity) => _activity = activity;

    public bool IsRecording => _activity is { IsAllDataRequested: true };

    public TracedSpan Tag(string name, object? value)
    {
        _activity?.SetTag(name, value);
        return this;
    }

    /// <summary>The work completed: the span ends without error at the next <see cref="Dispose"/>.</summary>
    public void Succeed()
    {
        if (_activity is not null)
        {
            _ended = true;
        }
    }

    /// <summary>The work completed, and the span ends now (where the work ends before the scope that started it).</summary>
    public void Complete()
    {
        Succeed();
        Dispose();
    }

    /// <summary>The work failed with <paramref name="error"/>: <c>error.type</c> is its type, the status its message.</summary>
    public void Fail(Exception error)
    {
        if (_activity is { } activity && !_ended)
        {
            _ended = true;
            activity.SetTag(ReplCacheTracing.ErrorType, error.GetType().FullName);
            activity.SetStatus(ActivityStatusCode.Error, error.Message);
        }
    }

    public void Dispose()
    {
        if (_activity is not { } activity || _disposed)
        {
            return;
        }

        _disposed = true;
        if (!_ended)
        {
            _ended = true;
            activity.SetTag(ReplCacheTracing.ErrorType, "interrupted");
            activity.SetStatus(ActivityStatusCode.Error, "ended before the work completed (the stream broke or the node stopped)");
        }

        activity.Dispose();
    }
}
