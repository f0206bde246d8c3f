using ReplCache.Backlog;
using ReplCache.Protocol;

namespace ReplCache.Replication.Primary;

/// <summary>
/// The answers to one secondary's forwarded writes, from the moment a write is read until its answer is sent.
/// Writes are applied on the session's read loop (or, on a node that forwards them further, when its own
/// primary answers); the sender loop sends the answers — each only once the records up to the offset it names
/// have gone out ahead of it, so the secondary has usually applied the write by the time it reads the answer.
/// </summary>
internal sealed class ForwardedWriteAnswers(Action wakeSender)
{
    /// <summary>Answers per message, at most (about 20 bytes each).</summary>
    private const int AnswersPerMessage = 4096;

    private readonly Lock _gate = new();
    private readonly List<ForwardedResult> _ready = [];
    private int _outstanding;

    /// <summary>Writes read and not answered on the wire yet.</summary>
    public int Outstanding => Volatile.Read(ref _outstanding);

    public bool HasReady
    {
        get
        {
            lock (_gate)
            {
                return _ready.Count > 0;
            }
        }
    }

    /// <summary>Counts a write read from the secondary; its answer follows with <see cref="Answer"/>.</summary>
    public void Received() => Interlocked.Increment(ref _outstanding);

    /// <summary>Answers a write whose outcome is known, now or later (any thread).</summary>
    public void Answer(ulong requestId, ValueTask<long> outcome)
    {
        if (outcome.IsCompletedSuccessfully)
        {
            Add(new ForwardedResult { RequestId = requestId, Offset = outcome.Result });
            return;
        }

        _ = AnswerLaterAsync(requestId, outcome.AsTask());
    }

    /// <summary>
    /// Takes the answers that can go now: every error, and every offset the stream has already carried up to
    /// (<paramref name="sentUpTo"/>); the rest wait for the records they name. Null when none can go.
    /// </summary>
    public ForwardedResults? Take(long sentUpTo)
    {
        ForwardedResults? taken = null;
        lock (_gate)
        {
            int kept = 0;
            for (int i = 0; i < _ready.Count; i++)
            {
                ForwardedResult result = _ready[i];
                bool sendable = result.OutcomeCase != ForwardedResult.OutcomeOneofCase.Offset || result.Offset <= sentUpTo;
                if (sendable && (taken is null || taken.Results.Count < AnswersPerMessage))
                {
                    (taken ??= new ForwardedResults()).Results.Add(result);
                }
                else
                {
                    _ready[kept++] = result;
                }
            }

            _ready.RemoveRange(kept, _ready.Count - kept);
        }

        if (taken is not null)
        {
            Interlocked.Add(ref _outstanding, -taken.Results.Count);
        }

        return taken;
    }

    private async Task AnswerLaterAsync(ulong requestId, Task<long> outcome)
    {
        ForwardedResult result;
        try
        {
            result = new ForwardedResult { RequestId = requestId, Offset = await outcome.ConfigureAwait(false) };
        }
        catch (Exception ex)
        {
            result = new ForwardedResult { RequestId = requestId, Error = ForwardedWriteCodec.ToError(ex) };
        }

        Add(result);
    }

    private void Add(ForwardedResult result)
    {
        lock (_gate)
        {
            _ready.Add(result);
        }

        wakeSender(); // the sender waits on the log's signal alone: one wait per wake-up on the hot path, not two
    }
}
