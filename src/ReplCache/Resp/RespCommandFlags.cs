namespace ReplCache.Resp;

[Flags]
internal enum RespCommandFlags
{
    None = 0,

    /// <summary>Changes data; shown as <c>write</c> in COMMAND.</summary>
    Write = 1,

    /// <summary>Reads data; shown as <c>readonly</c>.</summary>
    ReadOnly = 2,

    /// <summary>Allowed before AUTH (Redis's <c>no-auth</c>: AUTH, HELLO, QUIT).</summary>
    NoAuth = 4,

    /// <summary>Administrative; shown as <c>admin</c>.</summary>
    Admin = 8,

    /// <summary>O(1) or O(log N); shown as <c>fast</c>.</summary>
    Fast = 16,
}
