using ReplCache.Resp.Directives;

namespace ReplCache.Server.Config;

/// <summary>
/// Applies one config line to a <see cref="ServerConfig"/> through its <see cref="DirectiveTable"/> entry, which
/// checks it as Redis checks it; the entry's errors are reported against the line.
/// </summary>
internal static class ServerConfigParser
{
    /// <summary>Redis's error for a name it does not know.</summary>
    public const string BadDirective = "Bad directive or wrong number of arguments";

    public static void Apply(ConfigLine line, ServerConfig config)
    {
        if (DirectiveTable.Find(line.Name) is not { IsSettable: true } directive)
        {
            throw new ConfigException(line, BadDirective);
        }

        var args = new DirectiveArguments(SplitSingleArgument(directive, line.Args), problem => new ConfigException(line, problem));
        directive.Apply(args, config.Values);
        config.SetBy[directive.Name] = line;
    }

    /// <summary>
    /// Directives of several arguments also take them as one quoted argument, as Redis's multi-argument configs do,
    /// so the command line can say <c>--replicaof "127.0.0.1 6379"</c> or <c>--save "60 1"</c>. An empty argument
    /// stays as it is: <c>save ""</c> means no save points.
    /// </summary>
    private static List<string> SplitSingleArgument(Directive directive, IReadOnlyList<string> args)
    {
        if (directive.Arity != 2 && args.Count == 2 && args[1].Length > 0
            && ConfigTokenizer.Split(args[1]) is { Count: > 1 } split)
        {
            return split;
        }

        return args.Skip(1).ToList();
    }
}
