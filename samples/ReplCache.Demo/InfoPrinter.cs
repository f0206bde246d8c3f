using System.Globalization;

namespace ReplCache.Demo;

/// <summary>
/// Prints step headings and each node's <c>INFO replication</c> (<see cref="ReplicationInfo.ToInfoString"/>):
/// condensed to the fields the tutorial looks at, with replication ids shortened to 8 characters and ports named
/// after the node listening on them — or, with <c>--full</c>, the whole section.
/// </summary>
internal sealed class InfoPrinter(bool full)
{
    public void Heading(string step, string title)
    {
        Console.WriteLine();
        Console.WriteLine($"== Step {step}. {title}");
    }

    public void Say(string text) => Console.WriteLine($"   {text}");

    public void Print(IReadOnlyList<DemoNode> nodes)
    {
        foreach (DemoNode node in nodes)
        {
            if (!node.IsRunning)
            {
                Console.WriteLine($"   [{node.Name}] down");
                continue;
            }

            ReplicationInfo info = node.Info;
            Console.WriteLine($"   [{node.Name}] 127.0.0.1:{node.Port}  keys: {string.Join(' ', node.Cache.GetKeys().Order(StringComparer.Ordinal))}");
            string text = info.ToInfoString();
            string stats = $"sync_full:{info.FullSyncs} sync_partial_ok:{info.PartialSyncsAccepted} sync_partial_err:{info.PartialSyncsRejected}";
            if (full)
            {
                foreach (string line in text.Split("\r\n", StringSplitOptions.RemoveEmptyEntries))
                {
                    Console.WriteLine($"      {line}");
                }

                Console.WriteLine($"      {stats}  (from INFO stats)");
                continue;
            }

            Dictionary<string, string> fields = Parse(text);
            if (info.Role == ReplicationRole.Primary)
            {
                Console.WriteLine($"      role:master  connected_slaves:{fields["connected_slaves"]}");
            }
            else
            {
                string link = $"master_link_status:{fields["master_link_status"]}";
                if (fields.TryGetValue("master_link_down_since_seconds", out string? since))
                {
                    link += $"  master_link_down_since_seconds:{since} (down for {info.LinkDownFor?.TotalMilliseconds:F0} ms: {Brief(info.LinkDownReason)})";
                }

                Console.WriteLine($"      role:slave  master:{fields["master_host"]}:{fields["master_port"]}{NameOf(fields["master_port"], nodes)}  {link}");
                Console.WriteLine($"      connected_slaves:{fields["connected_slaves"]}");
            }

            foreach ((string key, string value) in fields.Where(f => f.Key.StartsWith("slave", StringComparison.Ordinal) && char.IsDigit(f.Key[^1])))
            {
                string port = value.Split(',').First(p => p.StartsWith("port=", StringComparison.Ordinal))["port=".Length..];
                Console.WriteLine($"      {key}:{value}{NameOf(port, nodes)}");
            }

            Console.WriteLine($"      master_replid:{Short(fields["master_replid"])}  master_replid2:{Short(fields["master_replid2"])}  " +
                $"master_repl_offset:{fields["master_repl_offset"]}  second_repl_offset:{fields["second_repl_offset"]}");
            Console.WriteLine($"      {stats}");
        }
    }

    private static Dictionary<string, string> Parse(string infoSection)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string line in infoSection.Split("\r\n", StringSplitOptions.RemoveEmptyEntries))
        {
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            if (!line.StartsWith('#') && colon > 0)
            {
                fields[line[..colon]] = line[(colon + 1)..];
            }
        }

        return fields;
    }

    /// <summary>The first sentence of why a link went down (gRPC appends the whole exception chain).</summary>
    private static string? Brief(string? reason) => reason?.Split(". ")[0];

    private static string Short(string replicationId) => replicationId.Length > 8 ? replicationId[..8] + "…" : replicationId;

    private static string NameOf(string port, IReadOnlyList<DemoNode> nodes) =>
        nodes.FirstOrDefault(n => n.Port.ToString(CultureInfo.InvariantCulture) == port) is { } node ? $" ({node.Name})" : "";
}
