namespace ReplCache.Server.Config;

/// <summary>
/// One directive as read: from the config file (<see cref="File"/> set, <see cref="Number"/> its 1-based line) or
/// from a command-line <c>--name args...</c> override (<see cref="File"/> null, <see cref="Number"/> the option's
/// 1-based position among the overrides).
/// </summary>
/// <param name="File">The config file's path; null for a command-line override.</param>
/// <param name="Number">The line number in the file, or the override's position.</param>
/// <param name="Text">The line as written (for an override, rebuilt from its arguments), shown in errors.</param>
/// <param name="Args">The directive's name (as written) followed by its arguments.</param>
internal sealed record ConfigLine(string? File, int Number, string Text, IReadOnlyList<string> Args)
{
    /// <summary>The directive's name, lower-cased: Redis's directive names are case-insensitive.</summary>
    public string Name => Args[0].ToLowerInvariant();

    /// <summary>Where the line came from, worded as Redis's config error: "Reading the configuration file X, at line N".</summary>
    public string Where => File is null
        ? $"Reading the command-line options, at option {Number}"
        : $"Reading the configuration file {File}, at line {Number}";
}
