using System.Text.Json;

namespace ReplCache.Sessions;

/// <summary>
/// A shopping cart kept in ASP.NET Core session state, which lives in ReplCache: every instance reads sessions from
/// its own replica and commits them to the primary (a secondary forwards the write).
/// </summary>
internal static class CartEndpoints
{
    public const string SessionCookieName = "ReplCache.Sessions.Session";

    private const string CartKey = "cart";

    public static void Map(WebApplication app, int instance, string role)
    {
        app.MapPost("/cart/add/{item}", async (string item, HttpContext http) =>
        {
            ISession session = http.Session;
            // LoadAsync reads the session with the cache's GetAsync; without it the first session access would do
            // a synchronous Get on the request thread.
            await session.LoadAsync(http.RequestAborted);
            List<string> cart = ReadCart(session);
            cart.Add(item);
            session.SetString(CartKey, JsonSerializer.Serialize(cart));
            try
            {
                // Committed here, not left to the session middleware: the middleware commits after the response has
                // been sent and only logs a failure, so a forwarded write the primary never got would still answer
                // 200. Committing first turns it into a 503 the client sees. On a secondary this is the cache's
                // SetAsync, forwarded, and it returns once this instance has applied the primary's offset. It is
                // also before the response starts, so UseReplicatedCacheConsistency stamps the response with the
                // position that holds it.
                await session.CommitAsync(http.RequestAborted);
            }
            catch (Exception ex) when (ex is WriteForwardingException or TimeoutException or NotEnoughReplicasException)
            {
                return Results.Problem(ex.Message, statusCode: StatusCodes.Status503ServiceUnavailable, title: "The cart could not be saved");
            }

            return Results.Json(new CartView(instance, role, cart));
        });

        app.MapGet("/cart", async (HttpContext http) =>
        {
            await http.Session.LoadAsync(http.RequestAborted);
            return Results.Json(new CartView(instance, role, ReadCart(http.Session)));
        });
    }

    private static List<string> ReadCart(ISession session) =>
        session.GetString(CartKey) is { } json ? JsonSerializer.Deserialize<List<string>>(json)! : [];
}

/// <summary>A cart as one instance sees it: which instance (its HTTP port) and role answered, and the items in order.</summary>
internal sealed record CartView(int Instance, string Role, List<string> Items);
