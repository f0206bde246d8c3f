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

    /// <summary>Run at once inside MULTI rather than queued, as Redis runs EXEC, DISCARD, MULTI, QUIT and RESET.</summary>
    NotQueued = 32,

    /// <summary>Allowed on a subscribed RESP2 connection: PING, (P)SUBSCRIBE, (P)UNSUBSCRIBE, QUIT and RESET.</summary>
    WhileSubscribed = 64,

    /// <summary>Has subcommands (CLIENT, CONFIG, ...): an error names it as Redis's fullname does, <c>client|setname</c>.</summary>
    Container = 128,
}
