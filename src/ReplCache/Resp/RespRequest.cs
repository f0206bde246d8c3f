using System.Buffers;
using System.Diagnostics;

namespace ReplCache.Resp;

/// <summary>
/// The arguments of one command: either offsets into the connection's input itself (<see cref="Borrow"/>), or copies
/// in one pooled buffer that the connection reuses for every command; either way parsing a GET or a SET allocates
/// nothing.
/// </summary>
/// <remarks>
/// A command that arrived whole in one block of the input is referenced where it lies: the connection runs it
/// before it advances the pipe past those bytes, and the next parse forgets them (<see cref="Clear"/>). Every other
/// command is copied, because a bulk argument may be larger than the input pipe lets a reader hold unconsumed
/// (Kestrel pauses the socket at about 1 MB): the parser consumes such a bulk as it arrives and fills its argument
/// here piece by piece. So nothing may keep an argument's span past the command (MULTI's queue copies them).
/// </remarks>
internal sealed class RespRequest : IDisposable
{
    /// <summary>Beyond this, the buffer goes back to the pool after the command instead of staying with the connection.</summary>
    private const int KeepBytes = 64 * 1024;

    private const int InitialBytes = 1024;

    private byte[] _data = ArrayPool<byte>.Shared.Rent(InitialBytes);

    /// <summary>What the arguments' offsets point into: <see cref="_data"/>, or the input's block while borrowed.</summary>
    private byte[] _source;
    private int _used;
    private (int Start, int Length)[] _arguments = new (int, int)[8];

    public RespRequest() => _source = _data;

    public int Count { get; private set; }

    /// <summary>Bytes held by all arguments so far.</summary>
    public int TotalBytes { get; private set; }

    /// <summary>True while the arguments are the input's own bytes (<see cref="Borrow"/>), not copies.</summary>
    public bool IsBorrowed => !ReferenceEquals(_source, _data);

    public ReadOnlySpan<byte> this[int index]
    {
        get
        {
            (int start, int length) = _arguments[index];
            return _source.AsSpan(start, length);
        }
    }

    /// <summary>Forgets every argument (and any borrowed block); a buffer grown for one large command goes back to the pool.</summary>
    public void Clear()
    {
        _used = 0;
        TotalBytes = 0;
        Count = 0;
        if (_data.Length > KeepBytes)
        {
            ArrayPool<byte>.Shared.Return(_data);
            _data = ArrayPool<byte>.Shared.Rent(InitialBytes);
        }

        _source = _data;
    }

    /// <summary>
    /// Makes the (cleared) request point into <paramref name="block"/>, where the whole command lies; arguments are
    /// then added with <see cref="AddBorrowed"/>. Valid until the next <see cref="Clear"/>, which the caller must make
    /// before the block goes back to the input.
    /// </summary>
    public void Borrow(byte[] block)
    {
        Debug.Assert(Count == 0, "Borrow starts a command");
        _source = block;
    }

    /// <summary>An argument at <paramref name="start"/> in the borrowed block.</summary>
    public void AddBorrowed(int start, int length)
    {
        Debug.Assert(IsBorrowed, "AddBorrowed needs Borrow first");
        if (Count == _arguments.Length)
        {
            Array.Resize(ref _arguments, _arguments.Length * 2);
        }

        _arguments[Count++] = (start, length);
        TotalBytes += length;
    }

    public void Add(ReadOnlySpan<byte> argument) => argument.CopyTo(Append(argument.Length));

    /// <summary>Reserves a new argument of <paramref name="length"/> bytes, to be filled by the caller.</summary>
    public Span<byte> Append(int length)
    {
        Debug.Assert(!IsBorrowed, "a borrowed command is never extended");
        if (Count == _arguments.Length)
        {
            Array.Resize(ref _arguments, _arguments.Length * 2);
        }

        Reserve(length);
        _arguments[Count++] = (_used, length);
        Span<byte> span = _data.AsSpan(_used, length);
        _used += length;
        TotalBytes += length;
        return span;
    }

    /// <summary>
    /// Starts a bulk argument of <paramref name="length"/> bytes whose bytes are still to arrive: room is made as they
    /// do (<see cref="Filling"/>), not for the length announced, so a client that announces a large bulk and sends
    /// nothing costs the node nothing (Redis preallocates such arguments; a few idle connections could then pin
    /// gigabytes).
    /// </summary>
    public void BeginBulk(int length)
    {
        Debug.Assert(!IsBorrowed, "a borrowed command is never extended");
        if (Count == _arguments.Length)
        {
            Array.Resize(ref _arguments, _arguments.Length * 2);
        }

        Reserve(Math.Min(length, KeepBytes));
        _arguments[Count++] = (_used, length);
        _used += length; // ahead of the buffer until the bytes arrive; Filling catches the buffer up
        TotalBytes += length;
    }

    /// <summary>The first <paramref name="filled"/> bytes of the last argument, made room for.</summary>
    public Span<byte> Filling(int filled)
    {
        (int start, int length) = _arguments[Count - 1];
        int end = start + Math.Min(filled, length);
        if (end > _data.Length)
        {
            // _used runs ahead of the buffer while the argument fills: grow as if the buffer were full up to its end,
            // which copies everything it holds, the bytes of this argument received so far included.
            int used = _used;
            _used = _data.Length;
            Reserve(end - _data.Length);
            _used = used;
        }

        return _data.AsSpan(start, end - start);
    }

    /// <summary>Appends one byte to the last argument (the inline splitter builds arguments byte by byte).</summary>
    public void Extend(byte value)
    {
        Debug.Assert(!IsBorrowed, "a borrowed command is never extended");
        Reserve(1);
        _data[_used++] = value;
        TotalBytes++;
        _arguments[Count - 1].Length++;
    }

    public void Dispose()
    {
        ArrayPool<byte>.Shared.Return(_data);
        _data = [];
        _source = _data;
    }

    private void Reserve(int length)
    {
        if (_data.Length - _used >= length)
        {
            return;
        }

        long wanted = Math.Max((long)_used + length, (long)_data.Length * 2);
        byte[] larger = ArrayPool<byte>.Shared.Rent((int)Math.Min(wanted, Array.MaxLength));
        _data.AsSpan(0, _used).CopyTo(larger);
        ArrayPool<byte>.Shared.Return(_data);
        _data = larger;
        _source = larger; // only ever grown while not borrowed
    }
}
