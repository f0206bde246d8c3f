namespace ReplCache.Server.Config;

/// <summary>What the server was asked to do.</summary>
internal enum CommandLineAction
{
    Run,
    Version,
    Help,
}

/// <summary>
/// redis-server's command line: <c>[configfile] [--name args...]...</c>. Each <c>--name</c> starts a directive line
/// whose arguments are the words that follow, applied after the file, as Redis appends them to the config it read.
/// </summary>
internal sealed record CommandLine(CommandLineAction Action, string? ConfigFile, IReadOnlyList<ConfigLine> Overrides)
{
    /// <exception cref="ConfigException">An option's name has unbalanced quotes.</exception>
    public static CommandLine Parse(IReadOnlyList<string> args)
    {
        if (args.Count > 0 && args[0] is "-v" or "--version")
        {
            return new CommandLine(CommandLineAction.Version, null, []);
        }

        if (args.Count > 0 && args[0] is "-h" or "--help")
        {
            return new CommandLine(CommandLineAction.Help, null, []);
        }

        int next = 0;
        string? file = null;
        if (args.Count > 0 && !args[0].StartsWith('-'))
        {
            file = args[0];
            next = 1;
        }

        var lines = new List<List<string>>();
        // Redis's handled_last_config_arg: false right after a bare "--name", so the next word is its value even if
        // it starts with "--" (e.g. --requirepass --secret--).
        bool lastOptionHasValue = true;
        for (int j = next; j < args.Count; j++)
        {
            string arg = args[j];
            if (lastOptionHasValue && arg.StartsWith("--", StringComparison.Ordinal))
            {
                // The name part is split as a config line, so "--port 6380" as one word works as in Redis.
                List<string> words = ConfigTokenizer.Split(arg[2..])
                    ?? throw new ConfigException(new ConfigLine(null, lines.Count + 1, arg, [arg]), ConfigTokenizer.UnbalancedQuotes);
                lines.Add(words.Count == 0 ? [""] : words);
                lastOptionHasValue = words.Count > 1;
                if (words.Count == 1 && words[0].Equals("save", StringComparison.OrdinalIgnoreCase)
                    && (j == args.Count - 1 || args[j + 1].StartsWith("--", StringComparison.Ordinal)))
                {
                    // A bare --save (last, or followed by another option) means save "": no save points.
                    lines[^1].Add("");
                    lastOptionHasValue = true;
                }
            }
            else
            {
                if (lines.Count == 0)
                {
                    lines.Add([]); // a stray word becomes a directive of its own, which then fails as unknown
                }

                lines[^1].Add(arg);
                lastOptionHasValue = true;
            }
        }

        ConfigLine[] overrides = [.. lines.Select((words, i) => new ConfigLine(null, i + 1, "--" + string.Join(' ', words.Select(Quote)), words))];
        return new CommandLine(CommandLineAction.Run, file, overrides);
    }

    /// <summary>A word as it would be written on a config line, for error messages.</summary>
    private static string Quote(string word) =>
        word.Length > 0 && !word.Any(c => char.IsWhiteSpace(c) || c is '"' or '\'' || char.IsControl(c))
            ? word
            : "\"" + word.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
}
