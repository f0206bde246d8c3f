using Grpc.Core;
using Grpc.Net.Client;
using ReplCache.Protocol;
using ReplCache.Tests.Infrastructure;

namespace ReplCache.Tests.RedisPorts;

/// <summary>
/// A secondary made by hand from the generated gRPC client, for the handshakes Redis's tests send from a plain client
/// (<c>$rd psync $replid $offset</c>) and no real secondary makes: one Hello with the id and offset given, the
/// primary's answer kept, then every Records payload collected in order (each must start where the last ended) and
/// acknowledged, so the primary's watchdog keeps the link.
/// </summary>
internal sealed class RawSecondary : IAsyncDisposable
{
    private readonly GrpcChannel _channel;
    private readonly AsyncDuplexStreamingCall<SecondaryMessage, PrimaryMessage> _call;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _gate = new();
    private readonly MemoryStream _records = new();
    private Task _reading = Task.CompletedTask;

    private RawSecondary(Uri primary)
    {
        _channel = GrpcChannel.ForAddress(primary, new GrpcChannelOptions { MaxReceiveMessageSize = null });
        _call = new ReplCache.Protocol.Replication.ReplicationClient(_channel).Sync(cancellationToken: _stop.Token);
    }

    /// <summary>The primary's first answer: <c>FullResync</c> or <c>Continue</c>.</summary>
    public PrimaryMessage Answer { get; private set; } = null!;

    /// <summary>The offset the answer names: where the collected records start.</summary>
    public long StartOffset => Answer.KindCase == PrimaryMessage.KindOneofCase.FullResync ? Answer.FullResync.Offset : Answer.Continue.Offset;

    /// <summary>The offset after the last byte collected.</summary>
    public long End
    {
        get
        {
            lock (_gate)
            {
                return StartOffset + _records.Length;
            }
        }
    }

    public long SnapshotEntries { get; private set; } = -1;

    /// <summary>Set when the stream broke the rules (a gap or an overlap in the records), or ended.</summary>
    public string? Problem { get; private set; }

    /// <summary>Sends Hello (PSYNC <paramref name="replicationId"/> <paramref name="nextOffset"/>) and reads the answer.</summary>
    public static async Task<RawSecondary> ConnectAsync(Uri primary, string nodeId, string replicationId, long nextOffset)
    {
        var raw = new RawSecondary(primary);
        await raw._call.RequestStream.WriteAsync(new SecondaryMessage
        {
            Hello = new Hello { NodeId = nodeId, ReplicationId = replicationId, NextOffset = nextOffset, ProtocolVersion = 1 },
        });
        using var timeout = new CancellationTokenSource(Poll.DefaultTimeout);
        while (await raw._call.ResponseStream.MoveNext(timeout.Token))
        {
            PrimaryMessage message = raw._call.ResponseStream.Current;
            if (message.KindCase is PrimaryMessage.KindOneofCase.FullResync or PrimaryMessage.KindOneofCase.Continue)
            {
                raw.Answer = message;
                raw._reading = raw.ReadAsync();
                return raw;
            }

            if (message.KindCase != PrimaryMessage.KindOneofCase.Topology)
            {
                throw new InvalidOperationException($"The primary answered Hello with {message.KindCase}.");
            }
        }

        throw new InvalidOperationException("The primary ended the call without answering Hello.");
    }

    /// <summary>The bytes of log collected so far: log[<see cref="StartOffset"/> .. <see cref="End"/>).</summary>
    public byte[] Records()
    {
        lock (_gate)
        {
            return _records.ToArray();
        }
    }

    /// <summary>Waits until the records reach <paramref name="offset"/>; fails on a broken stream or bytes past it.</summary>
    public async Task WaitForAsync(long offset)
    {
        await Poll.UntilAsync(() => Problem is not null || End >= offset, $"the raw secondary's records to reach {offset} (at {End})");
        Assert.Null(Problem);
        Assert.Equal(offset, End);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _reading.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _call.Dispose();
        _channel.Dispose();
        _stop.Dispose();
    }

    private async Task ReadAsync()
    {
        try
        {
            while (await _call.ResponseStream.MoveNext(_stop.Token))
            {
                PrimaryMessage message = _call.ResponseStream.Current;
                switch (message.KindCase)
                {
                    case PrimaryMessage.KindOneofCase.Records:
                        lock (_gate)
                        {
                            long expected = StartOffset + _records.Length;
                            if (message.Records.StartOffset != expected)
                            {
                                Problem ??= $"records at {message.Records.StartOffset}, expected {expected}";
                                return;
                            }

                            message.Records.Payload.WriteTo(_records);
                        }

                        // Not during a snapshot: an acknowledgement claims the data, which the snapshot's end completes.
                        if (Answer.KindCase == PrimaryMessage.KindOneofCase.Continue || SnapshotEntries >= 0)
                        {
                            await _call.RequestStream.WriteAsync(new SecondaryMessage { Ack = new Ack { Offset = End } }, _stop.Token);
                        }

                        break;
                    case PrimaryMessage.KindOneofCase.SnapshotEnd:
                        SnapshotEntries = message.SnapshotEnd.EntryCount;
                        await _call.RequestStream.WriteAsync(new SecondaryMessage { Ack = new Ack { Offset = End } }, _stop.Token);
                        break;
                    case PrimaryMessage.KindOneofCase.Heartbeat when Answer.KindCase == PrimaryMessage.KindOneofCase.Continue || SnapshotEntries >= 0:
                        await _call.RequestStream.WriteAsync(new SecondaryMessage { Ack = new Ack { Offset = End } }, _stop.Token);
                        break;
                }
            }

            Problem ??= "the primary ended the stream";
        }
        catch (Exception ex) when (ex is OperationCanceledException || (ex is RpcException { StatusCode: StatusCode.Cancelled } && _stop.IsCancellationRequested))
        {
        }
        catch (Exception ex) when (ex is RpcException or IOException)
        {
            Problem ??= "the stream broke: " + ex.Message;
        }
    }
}
