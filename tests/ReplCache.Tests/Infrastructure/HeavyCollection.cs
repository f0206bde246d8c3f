namespace ReplCache.Tests.Infrastructure;

/// <summary>
/// Tests that load both cores (a million keys, writers at full speed) run alone, so their figures are about the
/// code under test and not about whatever else xunit runs beside them.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class HeavyCollection
{
    public const string Name = "Heavy";
}
