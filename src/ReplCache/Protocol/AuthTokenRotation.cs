using System.Security.Cryptography;
using System.Text;

namespace ReplCache.Protocol;

/// <summary>
/// Which tokens a node accepts from peers and Redis clients: <see cref="ReplicatedCacheOptions.AuthToken"/> as it is
/// now (read at each use, since <c>CONFIG SET requirepass</c> and a configuration reload change it), and, for
/// <see cref="ReplicatedCacheOptions.AuthTokenGracePeriod"/> after a change, the token it replaced — so a group can
/// rotate its secret node by node without refusing the peers that have not taken the new one yet.
/// </summary>
/// <remarks>
/// Only a change from one token to another has a grace: turning authentication on must not let unauthenticated peers
/// in for a minute more, and turning it off needs none. Comparisons hash first and compare in constant time, so the
/// time a refusal takes tells nothing about either token, nor whether a previous one is still accepted.
/// </remarks>
internal sealed class AuthTokenRotation
{
    private readonly ReplicatedCacheOptions _options;
    private readonly Lock _gate = new();
    private string? _current;
    private byte[]? _previousHash;
    private DateTimeOffset _previousUntil;

    public AuthTokenRotation(ReplicatedCacheOptions options)
    {
        _options = options;
        _current = options.AuthToken;
    }

    /// <summary>Whether a token is required now (as the options say: a previous one alone never requires one).</summary>
    public bool Required => _options.AuthToken is not null;

    /// <summary>
    /// Notes the current <see cref="ReplicatedCacheOptions.AuthToken"/>: when it differs from the last one noted, that
    /// one stays accepted for the grace period from now. Called by whatever changes the option, and before every check.
    /// </summary>
    public void Observe()
    {
        string? now = _options.AuthToken;
        if (ReferenceEquals(now, Volatile.Read(ref _current)))
        {
            return;
        }

        lock (_gate)
        {
            if (string.Equals(now, _current, StringComparison.Ordinal))
            {
                _current = now;
                return;
            }

            bool rotated = _current is not null && now is not null && _options.AuthTokenGracePeriod > TimeSpan.Zero;
            _previousHash = rotated ? Hash(Encoding.UTF8.GetBytes(_current!)) : null;
            _previousUntil = rotated ? _options.TimeProvider.GetUtcNow() + _options.AuthTokenGracePeriod : default;
            Volatile.Write(ref _current, now);
        }
    }

    /// <summary>Whether <paramref name="presented"/> is the current token, or the previous one within its grace period.</summary>
    public bool Accepts(ReadOnlySpan<byte> presented)
    {
        Observe();
        string? current = _options.AuthToken;
        if (current is null)
        {
            return true;
        }

        byte[] given = Hash(presented);
        bool isCurrent = CryptographicOperations.FixedTimeEquals(given, Hash(Encoding.UTF8.GetBytes(current)));
        byte[]? previous;
        DateTimeOffset until;
        lock (_gate)
        {
            (previous, until) = (_previousHash, _previousUntil);
        }

        bool isPrevious = previous is not null
            && CryptographicOperations.FixedTimeEquals(given, previous)
            && _options.TimeProvider.GetUtcNow() < until;
        return isCurrent | isPrevious;
    }

    /// <summary>Whether the previous token is still accepted (for the tests and INFO-like diagnostics).</summary>
    public bool InGracePeriod
    {
        get
        {
            Observe();
            lock (_gate)
            {
                return _previousHash is not null && _options.TimeProvider.GetUtcNow() < _previousUntil;
            }
        }
    }

    // Hashing first makes the comparison constant-time in the length too, not only in the content.
    private static byte[] Hash(ReadOnlySpan<byte> token) => SHA256.HashData(token);
}
