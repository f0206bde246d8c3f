using System.Runtime.CompilerServices;

namespace ReplCache.Tests.Infrastructure;

/// <summary>
/// Gives the test process a thread pool that several nodes can share, as each would have in its own process.
/// </summary>
/// <remarks>
/// The VSTest host and the xunit adapter each keep a pool thread blocked for the whole run (a socket poll loop and a
/// wait for the assembly's tests). On a 2-core machine the pool starts with 2 threads, so the nodes, proxies and
/// writers of a test start with none to spare and wait for the pool's slow thread injection: a writer catching up
/// on its schedule could then hold the only free thread for most of a second, and a healthy secondary's sender sat
/// idle long enough to be dropped at the output limit (seen as an intermittent failure of
/// SlowSecondaryTests). Returning those two threads to the pool changes no assertion.
/// </remarks>
internal static class TestHostThreadPool
{
    [ModuleInitializer]
    internal static void Configure()
    {
        ThreadPool.GetMinThreads(out int workers, out int completionPorts);
        // Exactly the two threads the test host holds, given back: the nodes get the pool a 2-core process would
        // have, not more (a larger pool lets a flat-out writer outrun a secondary that is loading a million keys).
        ThreadPool.SetMinThreads(workers + 2, completionPorts);
    }
}
