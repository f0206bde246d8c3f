using System.Text;
using ReplCache.Resp;

namespace ReplCache.Server.Config;

/// <summary>
/// Splits one config line into arguments exactly as Redis's <c>sdssplitargs</c> — the same splitter the RESP endpoint
/// uses for inline commands, since Redis uses one function for both: whitespace separates; double quotes take
/// <c>\n \r \t \b \a \\ \" \xHH</c> escapes; single quotes take <c>\'</c>; a closing quote must be followed by
/// whitespace or the end of the line; quotes may start in the middle of an argument (<c>a"b c"</c> is <c>ab c</c>).
/// </summary>
internal static class ConfigTokenizer
{
    /// <summary>Redis's own wording for a line <c>sdssplitargs</c> rejects.</summary>
    public const string UnbalancedQuotes = "Unbalanced quotes in configuration line";

    /// <summary>The arguments of <paramref name="line"/>, or null when its quotes are unbalanced.</summary>
    public static List<string>? Split(string line)
    {
        // Split as bytes, not chars: \xHH yields a raw byte, and several of them may form one UTF-8 character.
        using var request = new RespRequest();
        if (!InlineArguments.Split(Encoding.UTF8.GetBytes(line), request))
        {
            return null;
        }

        var args = new List<string>(request.Count);
        for (int i = 0; i < request.Count; i++)
        {
            args.Add(Encoding.UTF8.GetString(request[i]));
        }

        return args;
    }
}
