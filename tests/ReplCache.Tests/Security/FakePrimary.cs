using System.Buffers;
using System.Net;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using ReplCache.Backlog;
using ReplCache.Protocol;
using ReplCache.Replication;
using ReplCache.Storage;

namespace ReplCache.Tests.Security;

/// <summary>
/// A scripted primary: a small gRPC server on 127.0.0.1 port 0 implementing the Replication service from the
/// generated base class, so a test decides exactly what a real secondary receives. Each Sync call runs the next
/// script; once the scripts run out, the last one runs again (a secondary retries, and meets the same primary).
/// </summary>
internal sealed class FakePrimary : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly List<Func<FakePrimarySession, Task>> _scripts;
    private int _sessions;

    private FakePrimary(WebApplication app, Uri address, List<Func<FakePrimarySession, Task>> scripts)
    {
        _app = app;
        Address = address;
        _scripts = scripts;
    }

    public Uri Address { get; }

    /// <summary>The fake's replication id, 40 hex digits.</summary>
    public string ReplicationId { get; } = ReplicationIds.NewId();

    public int Sessions => Volatile.Read(ref _sessions);

    /// <summary>Failures of scripts (a test asserts there were none it did not expect).</summary>
    public List<Exception> ScriptFailures { get; } = [];

    public static async Task<FakePrimary> StartAsync(params Func<FakePrimarySession, Task>[] scripts)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Services.AddGrpc(o => o.MaxReceiveMessageSize = null);
        var holder = new Holder();
        builder.Services.AddSingleton(holder);
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http2));
        WebApplication app = builder.Build();
        app.MapGrpcService<Service>();
        await app.StartAsync();
        string bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var fake = new FakePrimary(app, new Uri(bound), [.. scripts]);
        holder.Fake = fake;
        return fake;
    }

    /// <summary>A Set record as a primary's log holds it.</summary>
    public static byte[] SetRecord(string key, byte[] value)
    {
        var buffer = new ArrayBufferWriter<byte>();
        LogRecordWriter.WriteSet(buffer, System.Text.Encoding.UTF8.GetBytes(key), value, 0, 0, 0);
        return buffer.WrittenSpan.ToArray();
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task ServeAsync(IAsyncStreamReader<SecondaryMessage> requests, IServerStreamWriter<PrimaryMessage> responses, ServerCallContext context)
    {
        if (!await requests.MoveNext(context.CancellationToken) || requests.Current.KindCase != SecondaryMessage.KindOneofCase.Hello)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "Hello first"));
        }

        int index = Interlocked.Increment(ref _sessions) - 1;
        var session = new FakePrimarySession(this, requests.Current.Hello, requests, responses, context.CancellationToken);
        try
        {
            await _scripts[Math.Min(index, _scripts.Count - 1)](session);
        }
        catch (Exception ex) when (ex is not (OperationCanceledException or IOException) && !context.CancellationToken.IsCancellationRequested)
        {
            lock (ScriptFailures)
            {
                ScriptFailures.Add(ex);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException || context.CancellationToken.IsCancellationRequested)
        {
            // The secondary hung up (a cancelled or aborted call), as it does after refusing what it was sent.
        }
    }

    private sealed class Holder
    {
        public FakePrimary? Fake { get; set; }
    }

    private sealed class Service(Holder holder) : ReplCache.Protocol.Replication.ReplicationBase
    {
        public override Task Sync(IAsyncStreamReader<SecondaryMessage> requestStream, IServerStreamWriter<PrimaryMessage> responseStream, ServerCallContext context) =>
            holder.Fake!.ServeAsync(requestStream, responseStream, context);

        public override Task<NodeDescription> Describe(DescribeRequest request, ServerCallContext context) =>
            Task.FromResult(new NodeDescription { NodeId = "fake-primary", IsPrimary = true, ReplicationId = holder.Fake!.ReplicationId });
    }
}

/// <summary>One Sync call to the fake primary.</summary>
internal sealed class FakePrimarySession(FakePrimary fake, Hello hello, IAsyncStreamReader<SecondaryMessage> requests, IServerStreamWriter<PrimaryMessage> responses, CancellationToken aborted)
{
    public Hello Hello { get; } = hello;

    public FakePrimary Fake { get; } = fake;

    public CancellationToken Aborted { get; } = aborted;

    public Task SendAsync(PrimaryMessage message) => responses.WriteAsync(message, Aborted);

    /// <summary>Reads the secondary's messages until it acknowledges <paramref name="offset"/>.</summary>
    public async Task WaitForAckAsync(long offset)
    {
        while (await requests.MoveNext(Aborted))
        {
            if (requests.Current.KindCase == SecondaryMessage.KindOneofCase.Ack && requests.Current.Ack.Offset == offset)
            {
                return;
            }
        }

        throw new InvalidOperationException($"The secondary left before acknowledging {offset}.");
    }

    /// <summary>Keeps the call open, answering nothing, until the secondary hangs up.</summary>
    public async Task HoldAsync()
    {
        while (await requests.MoveNext(Aborted))
        {
        }
    }
}
