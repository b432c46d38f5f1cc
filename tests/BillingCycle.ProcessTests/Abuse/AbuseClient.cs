using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace BillingCycle.ProcessTests.Abuse;

/// <summary>
/// Sends hostile requests to the API process and judges each answer: a client mistake must be a
/// 4xx whose JSON body carries a stable code; a 5xx or a dropped process fails the test.
/// </summary>
public sealed class AbuseClient(Uri baseUrl)
{
    private readonly HttpClient _http = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromSeconds(30) })
    {
        BaseAddress = baseUrl,
        Timeout = TimeSpan.FromSeconds(60),
    };

    public int Tried { get; private set; }
    public Dictionary<int, int> ByStatus { get; } = [];
    public List<string> Failures { get; } = [];

    public async Task<(int Status, string? Code)> SendAsync(HttpMethod method, string path, BadBody? body, string? bearer,
        string label, Func<int, bool>? allowed = null, IDictionary<string, string>? headers = null)
    {
        Tried++;
        using var req = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        if (body is not null)
        {
            req.Content = body.Chunked ? new ChunkedContent(body.Bytes) : new ByteArrayContent(body.Bytes);
            if (body.ContentType is not null)
            {
                req.Content.Headers.TryAddWithoutValidation("Content-Type", body.ContentType);
            }
        }
        if (bearer is not null)
        {
            req.Headers.TryAddWithoutValidation("Authorization", "Bearer " + bearer);
        }
        foreach (var (k, v) in headers ?? new Dictionary<string, string>())
        {
            req.Headers.TryAddWithoutValidation(k, v);
        }

        int status;
        string text;
        try
        {
            using var res = await _http.SendAsync(req);
            status = (int)res.StatusCode;
            text = await res.Content.ReadAsStringAsync();
        }
        catch (HttpRequestException ex) when (body is { Bytes.Length: > 1_000_000 })
        {
            // The server may answer 413 and close before a 10 MB upload is fully sent; the
            // client then sees the closed socket. Acceptable only if the server is still up.
            Failures.AddRange(await StillUpAsync() ? [] : [$"{label}: server gone after a large body ({ex.Message})"]);
            ByStatus[0] = ByStatus.GetValueOrDefault(0) + 1;
            return (0, null);
        }
        ByStatus[status] = ByStatus.GetValueOrDefault(status) + 1;

        var code = CodeOf(text);
        var ok = allowed?.Invoke(status) ?? status is >= 400 and < 500;
        if (!ok)
        {
            Failures.Add($"{label} {method} {path}: {status} {Trim(text)}");
        }
        else if (status >= 400 && code is null)
        {
            Failures.Add($"{label} {method} {path}: {status} without an error code: {Trim(text)}");
        }
        return (status, code);
    }

    public async Task<bool> StillUpAsync()
    {
        try
        {
            using var res = await _http.GetAsync(new Uri("/health/live", UriKind.Relative));
            return res.StatusCode == HttpStatusCode.OK;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    private static string? CodeOf(string text)
    {
        try
        {
            using var doc = JsonDocument.Parse(text);
            return doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("code", out var c)
                && c.ValueKind == JsonValueKind.String && c.GetString() is { Length: > 0 } s ? s : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string Trim(string s) => s.Length > 200 ? s[..200] + "…" : s;

    /// <summary>A body sent with Transfer-Encoding: chunked (no Content-Length), so only reading reveals its size.</summary>
    private sealed class ChunkedContent(byte[] bytes) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            for (var i = 0; i < bytes.Length; i += 64 * 1024)
            {
                await stream.WriteAsync(bytes.AsMemory(i, Math.Min(64 * 1024, bytes.Length - i)));
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
