using System.Net.Http.Json;

namespace ReplCache.Catalog;

/// <summary>A reader's way to the writer, for the rare read its replica of the cache cannot answer.</summary>
internal sealed class WriterClient(HttpClient http)
{
    public async Task<Product?> GetAsync(int id, CancellationToken cancellationToken)
    {
        using HttpResponseMessage response = await http.GetAsync($"/products/{id}", cancellationToken);
        return response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync<Product>(cancellationToken) : null;
    }
}
