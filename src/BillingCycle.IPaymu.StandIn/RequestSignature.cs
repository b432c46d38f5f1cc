using System.Text.Json;
using BillingCycle.IPaymu.Signing;

namespace BillingCycle.IPaymu.StandIn;

/// <summary>
/// Checks a request signature as iPaymu might: over the body as sent, or over the body as PHP
/// re-encodes it (<c>json_encode(json_decode($body[, true]), JSON_UNESCAPED_SLASHES)</c>). Several
/// official plugins send bytes that differ from what they signed and still work, so iPaymu most
/// likely hashes a re-encoding; a body already in PHP's form matches both. With
/// <see cref="StandInOptions.SignatureForms"/> = "php" only the re-encoded forms count, which
/// refuses a client whose bodies are not PHP's form (raw UTF-8, an escaped '+').
/// </summary>
internal static class RequestSignature
{
    public static bool Valid(string method, string va, string body, string apiKey, string? signature, string forms)
    {
        var candidates = new List<string>(3);
        if (forms != "php")
        {
            candidates.Add(body);
        }
        candidates.AddRange(PhpReencodings(body));
        var valid = false;
        foreach (var candidate in candidates)
        {
            valid |= RequestSigner.HexEquals(RequestSigner.Sign(method, va, candidate, apiKey), signature);
        }
        return valid;
    }

    private static IEnumerable<string> PhpReencodings(string body)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(body);
        }
        catch (JsonException)
        {
            return [];
        }
        using (doc)
        {
            try
            {
                return new[]
                {
                    PhpJson.Encode(doc.RootElement, PhpJsonFlags.UnescapedSlashes, assoc: false),
                    PhpJson.Encode(doc.RootElement, PhpJsonFlags.UnescapedSlashes, assoc: true),
                }.Distinct(StringComparer.Ordinal).ToList();
            }
            catch (InvalidOperationException)
            {
                return []; // an escape that is not valid UTF-16: PHP could not re-encode it either
            }
        }
    }
}
