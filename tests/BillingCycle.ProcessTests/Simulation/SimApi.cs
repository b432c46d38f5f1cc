using System.Net.Http.Json;
using System.Text.Json;
using BillingCycle.TestSupport;

namespace BillingCycle.ProcessTests.Simulation;

/// <summary>
/// The web app's calls for a signed-in customer: each with a fresh Clerk session token (real RS256,
/// verified by the service with the public half), to the instance the seed drew — the other one
/// while it restarts, as a load balancer would.
/// </summary>
public sealed class SimApi(Instances instances, ClerkTokens tokens)
{
    private int _calls;

    public int Calls => _calls;

    public sealed record Answer(int Status, JsonElement Body)
    {
        public string? Code => Body.ValueKind == JsonValueKind.Object && Body.TryGetProperty("code", out var c) ? c.GetString() : null;

        public override string ToString() => $"{Status} {Body}";
    }

    public async Task<Answer> PostAsync(string user, string path, object body, int pick)
    {
        using var req = new HttpRequestMessage(HttpMethod.Post, new Uri(path, UriKind.Relative)) { Content = JsonContent.Create(body) };
        req.Headers.Authorization = new("Bearer", tokens.Issue(user));
        using var res = await instances.Pick(pick).Http.SendAsync(req);
        Interlocked.Increment(ref _calls);
        var text = await res.Content.ReadAsStringAsync();
        return new Answer((int)res.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }
}
