using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ReplCache.TestHost;

/// <summary>
/// One instance of an ASP.NET farm whose embedded nodes know only the Sentinels: no PrimaryAddress, writes forwarded to
/// whichever node the Sentinels made primary. Prints "ready" once it serves HTTP.
/// </summary>
internal static class SentinelApp
{
    public static async Task<int> RunAsync(int nodePort, int appPort, string[] sentinels, string service)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{appPort}");
        builder.Logging.ClearProviders().AddSimpleConsole().SetMinimumLevel(LogLevel.Warning).AddFilter("ReplCache", LogLevel.Information);
        builder.Services.AddReplicatedCache(o =>
        {
            o.Listen = $"http://127.0.0.1:{nodePort}";
            o.RespListen = $"127.0.0.1:{nodePort}";
            o.Sentinel.Endpoints = sentinels;
            o.Sentinel.ServiceName = service;
            o.ReplicaWrites = ReplicaWriteMode.ForwardToPrimary;
            o.HeartbeatInterval = TimeSpan.FromMilliseconds(200);
            o.ReplicationTimeout = TimeSpan.FromSeconds(5);
            o.ForwardedWriteTimeout = TimeSpan.FromSeconds(2);
        });

        WebApplication app = builder.Build();
        app.MapPut("/kv/{key}", async (string key, HttpRequest request, IDistributedCache cache) =>
        {
            string value = await new StreamReader(request.Body).ReadToEndAsync(request.HttpContext.RequestAborted);
            try
            {
                await cache.SetStringAsync(key, value, request.HttpContext.RequestAborted);
                return Results.Ok();
            }
            catch (Exception ex) when (ex is WriteForwardingException or ReadOnlyReplicaException or TimeoutException)
            {
                return Results.Problem(ex.Message, statusCode: StatusCodes.Status503ServiceUnavailable);
            }
        });
        app.MapGet("/kv/{key}", (string key, IDistributedCache cache) => cache.GetString(key) is { } value ? Results.Text(value) : Results.NotFound());
        app.MapGet("/role", (IReplicationControl control) => control.GetInfo().Role.ToString());
        await app.StartAsync();
        Console.WriteLine("ready");
        await app.WaitForShutdownAsync();
        return 0;
    }
}
