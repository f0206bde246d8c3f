namespace ReplCache.Server.Config;

/// <summary>Reads the config file, then the command-line overrides, into one <see cref="ServerConfig"/>.</summary>
internal static class ServerConfigLoader
{
    /// <exception cref="ConfigException">The file cannot be read, or a line is wrong.</exception>
    public static ServerConfig Load(CommandLine commandLine)
    {
        var config = new ServerConfig();
        if (commandLine.ConfigFile is { } file)
        {
            config.File = Path.GetFullPath(file);
            string text;
            try
            {
                text = System.IO.File.ReadAllText(config.File);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new ConfigException(null, $"Fatal error, can't open config file '{file}': {ex.Message}", config.File);
            }

            foreach (ConfigLine line in ReadLines(config.File, text))
            {
                ServerConfigParser.Apply(line, config);
            }
        }

        foreach (ConfigLine line in commandLine.Overrides)
        {
            ServerConfigParser.Apply(line, config);
        }

        return config;
    }

    /// <summary>
    /// The directive lines of a config file, as Redis reads them: each line trimmed of spaces, tabs and line ends;
    /// empty lines and lines starting with '#' skipped (a '#' later in a line is an ordinary character).
    /// </summary>
    public static IEnumerable<ConfigLine> ReadLines(string file, string text)
    {
        string[] lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            string trimmed = lines[i].Trim(' ', '\t', '\r', '\n');
            if (trimmed.Length == 0 || trimmed[0] == '#')
            {
                continue;
            }

            List<string> args = ConfigTokenizer.Split(trimmed)
                ?? throw new ConfigException(new ConfigLine(file, i + 1, trimmed, [trimmed]), ConfigTokenizer.UnbalancedQuotes);
            if (args.Count == 0)
            {
                continue;
            }

            yield return new ConfigLine(file, i + 1, trimmed, args);
        }
    }
}
