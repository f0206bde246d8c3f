namespace ReplCache.Storage.Memory;

/// <summary>
/// Epoch-based protection of lock-free readers, after the <c>LightEpoch</c> of Garnet's Tsavorite store: a reader
/// announces the epoch it entered in; memory unlinked by the writer is reused only once every reader that could
/// still see it has left.
/// </summary>
/// <remarks>
/// <para>The argument, for memory the writer retires at epoch <c>E</c> (the value of <see cref="Current"/> read
/// after the memory was unlinked from the table): a reader that announced an epoch above <c>E</c> read the epoch
/// after <see cref="Advance"/> moved it past <c>E</c>, which the writer does only after unlinking, so that reader
/// cannot reach the memory. Only readers that announced <c>E</c> or less might; <see cref="OldestActive"/> is the
/// least epoch announced, so memory retired below it is unreachable. Announcing is a compare-and-swap (a full
/// fence) and <see cref="Advance"/> an interlocked increment (another), so a reader's announcement and its first
/// read of the table cannot be reordered around the writer's unlink and scan.</para>
/// <para>Readers take any free announcement slot, starting at one derived from their thread, so there is no
/// registration and no per-thread state to clean up, and a thread may hold several slots at once (nested reads, or
/// two stores). Each slot has a cache line of its own, so readers on different cores do not contend.</para>
/// </remarks>
internal sealed class EpochGuard
{
    /// <summary>Readers inside a protected region at once; a reader finding all slots taken yields until one frees.</summary>
    private const int SlotCount = 128;

    /// <summary>Longs per slot: one cache line, so no two readers' slots share one.</summary>
    private const int Stride = 8;

    private readonly long[] _announced = new long[SlotCount * Stride];
    private long _epoch = 1;

    /// <summary>The epoch a reader entering now announces.</summary>
    public long Current => Volatile.Read(ref _epoch);

    /// <summary>Enters a protected region; hand the returned slot to <see cref="Exit"/>.</summary>
    public int Enter()
    {
        int start = (Environment.CurrentManagedThreadId * 7) & (SlotCount - 1);
        for (int attempt = 0; ; attempt++)
        {
            int slot = (start + attempt) & (SlotCount - 1);
            ref long announced = ref _announced[slot * Stride];
            if (Volatile.Read(ref announced) == 0 && Interlocked.CompareExchange(ref announced, Volatile.Read(ref _epoch), 0) == 0)
            {
                return slot;
            }

            if ((attempt & (SlotCount - 1)) == SlotCount - 1)
            {
                Thread.Yield(); // more readers than slots: wait for one to leave
            }
        }
    }

    /// <summary>Leaves the protected region entered as <paramref name="slot"/>.</summary>
    public void Exit(int slot) => Volatile.Write(ref _announced[slot * Stride], 0);

    /// <summary>Moves the epoch on, so that readers entering from now on no longer hold back what was retired before.</summary>
    public void Advance() => Interlocked.Increment(ref _epoch);

    /// <summary>The least epoch a reader inside a protected region announced, or <see cref="long.MaxValue"/> when none is inside.</summary>
    public long OldestActive()
    {
        long oldest = long.MaxValue;
        for (int i = 0; i < _announced.Length; i += Stride)
        {
            long announced = Volatile.Read(ref _announced[i]);
            if (announced != 0 && announced < oldest)
            {
                oldest = announced;
            }
        }

        return oldest;
    }

    /// <summary>Whether any reader is inside a protected region (for disposal and tests).</summary>
    public bool AnyActive => OldestActive() != long.MaxValue;
}
