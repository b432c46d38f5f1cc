using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using BillingCycle.IPaymu.Callbacks;

namespace BillingCycle.Api.Webhooks;

/// <summary>
/// What is kept of a callback nobody vouched for (unsigned, badly signed or unparsable): its first
/// KiB and the SHA-256 of the whole body (contract §10.4). Enough to recognise a genuine callback
/// that was refused, too little for a flood of them to fill the database.
/// </summary>
public static class StoredExcerpt
{
    public const int MaxBytes = 1024;

    public static string Of(byte[] body, string decoded)
    {
        var clean = SafeText.Clean(decoded);
        var head = new StringBuilder();
        var bytes = 0;
        foreach (var rune in clean.EnumerateRunes())
        {
            bytes += rune.Utf8SequenceLength;
            if (bytes > MaxBytes)
            {
                break;
            }
            head.Append(rune.ToString());
        }
        return JsonSerializer.Serialize(new
        {
            excerpt = head.ToString(),
            sha256 = Convert.ToHexStringLower(SHA256.HashData(body)),
            bytes = body.Length,
            truncated = bytes > MaxBytes,
        });
    }
}
