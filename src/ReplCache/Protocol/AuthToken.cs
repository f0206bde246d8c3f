using System.Text;
using Grpc.Core;

namespace ReplCache.Protocol;

/// <summary>The shared secret in call metadata: sent by secondaries, checked by primaries in constant time.</summary>
internal static class AuthToken
{
    public const string HeaderName = "authorization";
    private const string Scheme = "Bearer ";

    public static Metadata? Headers(string? token) => token is null ? null : new Metadata { { HeaderName, Scheme + token } };

    /// <summary>
    /// Throws <see cref="RpcException"/> with <see cref="StatusCode.Unauthenticated"/> unless the call carries a token
    /// <paramref name="accepted"/> accepts (the current one, or the previous one within its grace period).
    /// </summary>
    public static void Verify(ServerCallContext context, AuthTokenRotation accepted)
    {
        if (!accepted.Required)
        {
            return;
        }

        string? presented = context.RequestHeaders.GetValue(HeaderName);
        byte[] given = Encoding.UTF8.GetBytes(presented is not null && presented.StartsWith(Scheme, StringComparison.Ordinal) ? presented[Scheme.Length..] : "");
        if (!accepted.Accepts(given))
        {
            throw new RpcException(new Status(StatusCode.Unauthenticated, presented is null ? "NOAUTH Authentication required." : "WRONGPASS invalid password."));
        }
    }
}
