namespace ReplCache.Resp;

/// <summary>Runs one command on a connection; the arguments are in <see cref="RespConnection.Request"/>.</summary>
internal delegate ValueTask<RespFlow> RespHandler(RespConnection connection);

/// <summary>One command: its name, Redis arity (n exact, -n at least n, the name included), handler and docs.</summary>
/// <param name="Name">Lower-case name, as Redis's <c>fullname</c>.</param>
/// <param name="Arity">Redis's arity: positive means exactly, negative means at least, counting the name.</param>
/// <param name="Flags">Behaviour and the flags COMMAND reports.</param>
/// <param name="Handler">What it does.</param>
/// <param name="Group">COMMAND DOCS group (string, generic, connection, server, replication).</param>
/// <param name="Summary">COMMAND DOCS summary, which redis-cli shows as a hint.</param>
/// <param name="FirstKey">Position of the first key argument, 0 when none (COMMAND's key spec).</param>
/// <param name="LastKey">Position of the last key (-1: the last argument).</param>
internal sealed record RespCommand(string Name, int Arity, RespCommandFlags Flags, RespHandler Handler, string Group, string Summary, int FirstKey = 0, int LastKey = 0)
{
    /// <summary><see cref="Name"/> in ASCII, for comparing with a request's first argument without decoding it.</summary>
    public byte[] NameBytes { get; } = System.Text.Encoding.ASCII.GetBytes(Name);

    public bool AcceptsArgumentCount(int count) => Arity >= 0 ? count == Arity : count >= -Arity;
}
