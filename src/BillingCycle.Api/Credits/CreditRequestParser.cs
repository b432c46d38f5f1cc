using System.Text.Json;
using BillingCycle.Api.Infrastructure.Http;

namespace BillingCycle.Api.Credits;

/// <summary>Validation of the credit request bodies (contract §5).</summary>
public static class CreditRequestParser
{
    public const long MaxAmount = 1_000_000_000;

    /// <summary>A whole number 1..1,000,000,000 written as a JSON integer, else INVALID_AMOUNT.</summary>
    public static long? Amount(JsonElement body)
    {
        if (!body.TryGetProperty("amount", out var a) || a.ValueKind != JsonValueKind.Number)
        {
            return null;
        }
        var raw = a.GetRawText();
        if (raw.Contains('.', StringComparison.Ordinal) || raw.Contains('e', StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }
        return a.TryGetInt64(out var v) && v is >= 1 and <= MaxAmount ? v : null;
    }

    public static (CreditChangeRequest? Request, ApiError? Error) ParseChange(JsonElement body)
    {
        if (Amount(body) is not { } amount)
        {
            return (null, new ApiError("Valid amount is required (a whole number from 1 to 1,000,000,000)", ErrorCodes.InvalidAmount));
        }
        var (reference, refOk) = JsonBody.OptionalString(body, "reference_id", 200);
        var (description, descOk) = JsonBody.OptionalString(body, "description", 500);
        var (userId, userOk) = JsonBody.OptionalString(body, "user_id", 200);
        if (!refOk || !descOk || !userOk)
        {
            return (null, new ApiError("reference_id, description and user_id must be short strings", ErrorCodes.InvalidRequest));
        }
        return (new CreditChangeRequest(amount, reference, description, userId), null);
    }

    public static (long Amount, string? Reference, ApiError? Error) ParseConsume(JsonElement body)
    {
        if (Amount(body) is not { } amount)
        {
            return (0, null, new ApiError("Valid amount is required (a whole number from 1 to 1,000,000,000)", ErrorCodes.InvalidAmount));
        }
        var (reference, ok) = JsonBody.OptionalString(body, "reference_id", 200);
        if (!ok || reference is null)
        {
            return (0, null, new ApiError("reference_id is required (a string of at most 200 characters)", ErrorCodes.InvalidRequest));
        }
        return (amount, reference, null);
    }

    public static CreditType? Type(string? value) => value switch
    {
        "interaction" => CreditType.Interaction,
        "scraper" => CreditType.Scraper,
        _ => null,
    };

    public static string Name(this CreditType t) => t == CreditType.Interaction ? "interaction" : "scraper";
}
