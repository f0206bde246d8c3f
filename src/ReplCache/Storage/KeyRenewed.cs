namespace ReplCache.Storage;

/// <summary>A read renewed the sliding entry of <paramref name="key"/> (UTF-8; valid only during the call).</summary>
internal delegate void KeyRenewed(ReadOnlySpan<byte> key);
