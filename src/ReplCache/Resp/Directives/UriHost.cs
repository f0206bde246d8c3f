using System.Net;
using System.Net.Sockets;

namespace ReplCache.Resp.Directives;

/// <summary>A host as a URI or <c>host:port</c> needs it: an IPv6 address in brackets, anything else as it is.</summary>
internal static class UriHost
{
    public static string Of(string host) =>
        !host.StartsWith('[') && IPAddress.TryParse(host, out IPAddress? ip) && ip.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{host}]" : host;
}
