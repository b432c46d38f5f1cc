using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using BillingCycle.TestSupport;

namespace BillingCycle.IntegrationTests.Deliveries;

/// <summary>
/// The receiving side of Standard Webhooks, written from the specification (not with our sender's
/// library): the signed content is "{webhook-id}.{webhook-timestamp}.{body}", the key is the
/// base64 after "whsec_", the signature HMAC-SHA256 in base64 prefixed "v1,", the header may list
/// several space-separated signatures, and a timestamp more than 5 minutes from the receiver's
/// clock is refused (replay protection).
/// </summary>
public static class StandardWebhooksReference
{
    public static readonly TimeSpan Tolerance = TimeSpan.FromMinutes(5);

    public static string? Refusal(string secret, ReceivedRequest request, DateTimeOffset now)
    {
        if (!request.Headers.TryGetValue("webhook-id", out var id) || !request.Headers.TryGetValue("webhook-timestamp", out var ts)
            || !request.Headers.TryGetValue("webhook-signature", out var signatures))
        {
            return "missing headers";
        }
        return Refusal(secret, id, ts, signatures, request.Body, now);
    }

    public static string? Refusal(string secret, string id, string timestamp, string signatures, string body, DateTimeOffset now)
    {
        if (!long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
        {
            return "bad timestamp";
        }
        if ((now - DateTimeOffset.FromUnixTimeSeconds(seconds)).Duration() > Tolerance)
        {
            return "stale timestamp";
        }
        var expected = Encoding.ASCII.GetBytes(Sign(secret, id, timestamp, body));
        foreach (var candidate in signatures.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(candidate)))
            {
                return null;
            }
        }
        return "no signature matches";
    }

    public static string Sign(string secret, string id, string timestamp, string body)
    {
        var key = Convert.FromBase64String(secret["whsec_".Length..]);
        var mac = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes($"{id}.{timestamp}.{body}"));
        return "v1," + Convert.ToBase64String(mac);
    }
}
