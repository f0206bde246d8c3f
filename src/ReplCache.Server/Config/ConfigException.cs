namespace ReplCache.Server.Config;

/// <summary>
/// A config the server refuses to start with. <see cref="ToReport"/> words it as redis-server does, so operators
/// recognise it: the banner, where (file and line), the line itself, and what is wrong.
/// </summary>
internal sealed class ConfigException : Exception
{
    public ConfigException(ConfigLine? line, string problem, string? file = null)
        : base(problem)
    {
        Line = line;
        File = line?.File ?? file;
    }

    /// <summary>The offending line; null when the problem is not one line's (a missing file, a default that conflicts).</summary>
    public ConfigLine? Line { get; }

    /// <summary>The config file, when there is one.</summary>
    public string? File { get; }

    /// <summary>The report printed on stderr, as Redis's <c>loadServerConfigFromString</c> error.</summary>
    public string ToReport()
    {
        var report = new System.Text.StringBuilder();
        report.Append("\n*** FATAL CONFIG FILE ERROR *** (replcache-server)\n");
        if (Line is not null)
        {
            report.Append(Line.Where).Append('\n');
            report.Append(">>> '").Append(Line.Text).Append("'\n");
        }
        else if (File is not null)
        {
            report.Append("Reading the configuration file ").Append(File).Append('\n');
        }

        report.Append(Message).Append('\n');
        return report.ToString();
    }
}
