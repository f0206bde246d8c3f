namespace ReplCache.Hosting;

/// <summary>
/// The name of a keyed cache: its service key's text. It names the cache's options (named options, so a section or a
/// <c>Configure&lt;ReplicatedCacheOptions&gt;(name, ...)</c> call reaches them) and tags its metrics and health data.
/// </summary>
internal static class KeyedCacheName
{
    public static string Of(object serviceKey)
    {
        ArgumentNullException.ThrowIfNull(serviceKey);
        string? name = serviceKey as string ?? serviceKey.ToString();
        if (string.IsNullOrEmpty(name))
        {
            // The empty name is the unkeyed cache's options (Options.DefaultName): a keyed cache would share them.
            throw new ArgumentException("A keyed ReplicatedCache needs a service key whose text is not empty: the text names the cache's options, metrics and health data.", nameof(serviceKey));
        }

        return name;
    }
}
