namespace ReplCache.Catalog;

/// <summary>A catalog entry. <see cref="Version"/> grows with every change, so a reader can tell fresh from stale.</summary>
internal sealed record Product(int Id, string Name, decimal Price, long Version);
