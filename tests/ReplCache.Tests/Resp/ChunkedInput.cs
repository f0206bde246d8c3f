using System.Buffers;
using System.Text;
using ReplCache.Resp;

namespace ReplCache.Tests.Resp;

/// <summary>
/// Feeds a parser the way a pipe does: each read sees what was left unconsumed plus the new chunk, as separate
/// buffer segments, so every split point is also a segment boundary.
/// </summary>
internal static class ChunkedInput
{
    /// <summary>The commands parsed (arguments as Latin-1 text), and the protocol error that ended the input, if any.</summary>
    public static (List<string[]> Commands, string? Error) Parse(byte[] input, IEnumerable<int> splits, bool authenticated = true)
    {
        var parser = new RespParser();
        using var request = new RespRequest();
        var commands = new List<string[]>();
        byte[] leftover = [];
        int from = 0;
        foreach (int to in splits.Append(input.Length).Where(s => s >= 0 && s <= input.Length).Distinct().Order())
        {
            ReadOnlySequence<byte> buffer = Join(leftover, input[from..to]);
            from = to;
            while (true)
            {
                RespParseStatus status = parser.TryParse(ref buffer, request, authenticated);
                if (status == RespParseStatus.Error)
                {
                    return (commands, parser.Error);
                }

                if (status == RespParseStatus.Incomplete)
                {
                    break;
                }

                commands.Add([.. Enumerable.Range(0, request.Count).Select(i => Encoding.Latin1.GetString(request[i]))]);
            }

            leftover = buffer.ToArray();
        }

        return (commands, null);
    }

    private static ReadOnlySequence<byte> Join(byte[] first, byte[] second)
    {
        if (first.Length == 0 || second.Length == 0)
        {
            return new ReadOnlySequence<byte>(first.Length == 0 ? second : first);
        }

        var head = new Segment(first, 0);
        Segment tail = head.Append(second);
        return new ReadOnlySequence<byte>(head, 0, tail, second.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(byte[] data, long runningIndex)
        {
            Memory = data;
            RunningIndex = runningIndex;
        }

        public Segment Append(byte[] data)
        {
            var next = new Segment(data, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
