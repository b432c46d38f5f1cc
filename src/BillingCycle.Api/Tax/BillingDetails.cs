using System.Text.Json;
using BillingCycle.Api.Infrastructure.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BillingCycle.Api.Tax;

/// <summary>GET/PUT /api/billing-details: the buyer's name, address and tax identity (contract §12.2).</summary>
public sealed record BillingDetailsView(
    string UserId, string? Name, string? Email, string? Address, string? TaxIdType, string? TaxId, string? Nitku, DateTimeOffset? UpdatedAt);

/// <summary>The PUT body, for the OpenAPI document; the handler reads and checks each field itself.</summary>
public sealed record BillingDetailsBody(string? Name, string? Email, string? Address, string? TaxIdType, string? TaxId, string? Nitku, string? UserId);

/// <summary>A PUT body, checked: what to store, or the 400 naming the field that is wrong.</summary>
public sealed record BillingDetailsInput(
    string? UserId, string? Name, string? Email, string? Address, TaxIdentity? Identity, JsonHttpResult<ApiError>? Error)
{
    public const int MaxName = 200;
    public const int MaxEmail = 254;
    public const int MaxAddress = 500;

    public static async Task<BillingDetailsInput> ReadAsync(HttpRequest request, CancellationToken ct)
    {
        var read = await JsonBody.ReadObjectAsync(request, ct);
        if (read.Error is { } error)
        {
            return Refused(error);
        }
        using var doc = read.Document!;
        var root = doc.RootElement;
        var (userId, userOk) = JsonBody.OptionalString(root, "user_id", 200);
        var (name, nameOk) = JsonBody.OptionalString(root, "name", MaxName);
        var (email, emailOk) = JsonBody.OptionalString(root, "email", MaxEmail);
        var (address, addressOk) = JsonBody.OptionalString(root, "address", MaxAddress);
        if (!userOk)
        {
            return Invalid("user_id must be a short string", ErrorCodes.InvalidRequest);
        }
        if (!nameOk || !emailOk || !addressOk)
        {
            var field = !nameOk ? "name" : !emailOk ? "email" : "address";
            var max = !nameOk ? MaxName : !emailOk ? MaxEmail : MaxAddress;
            return Invalid($"{field} must be text of at most {max} characters", ErrorCodes.InvalidRequest);
        }
        if (name?.Any(char.IsControl) == true || address?.Any(ch => char.IsControl(ch) && ch is not ('\n' or '\r')) == true)
        {
            return Invalid($"{(name?.Any(char.IsControl) == true ? "name" : "address")} must be printable text", ErrorCodes.InvalidRequest);
        }
        if (email is not null && (!email.Contains('@', StringComparison.Ordinal) || email.Any(char.IsWhiteSpace)))
        {
            return Invalid("email must be an email address", ErrorCodes.InvalidRequest);
        }
        var (type, typeOk) = JsonBody.OptionalString(root, "tax_id_type", 20);
        var (taxId, taxIdOk) = JsonBody.OptionalString(root, "tax_id", 40);
        var (nitku, nitkuOk) = JsonBody.OptionalString(root, "nitku", 40);
        if (!typeOk || !taxIdOk || !nitkuOk)
        {
            return InvalidTaxId(!typeOk ? "tax_id_type" : !taxIdOk ? "tax_id" : "nitku", "must be a string");
        }
        var identity = (type, taxId, nitku) switch
        {
            (null, null, null) => (TaxIdentity?)null,
            (null, _, _) => null,
            ("npwp", _, _) when TaxIds.Npwp(taxId) is { } npwp =>
                TaxIds.Nitku(nitku, npwp) is { } n ? new TaxIdentity(TaxIdType.Npwp, npwp, n) : null,
            ("nik", _, null) when TaxIds.Nik(taxId) is { } nik => new TaxIdentity(TaxIdType.Nik, nik, null),
            ("passport", _, null) when TaxIds.Passport(taxId) is { } passport => new TaxIdentity(TaxIdType.Passport, passport, null),
            _ => null,
        };
        if (identity is null && (type, taxId, nitku) is not (null, null, null))
        {
            return InvalidTaxId(Culprit(type, taxId, nitku));
        }
        return new BillingDetailsInput(userId, name, email, address, identity, null);
    }

    /// <summary>Which field to name: the type, else the number, else the NITKU.</summary>
    private static (string Field, string Rule) Culprit(string? type, string? taxId, string? nitku) => type switch
    {
        null => ("tax_id_type", "is needed with a tax_id: npwp, nik or passport"),
        not ("npwp" or "nik" or "passport") => ("tax_id_type", "must be npwp, nik, passport or null"),
        "npwp" when TaxIds.Npwp(taxId) is null => ("tax_id", "must be an NPWP of 16 digits (or the 15-digit form), e.g. 0012345678901000"),
        "npwp" => ("nitku", "must be 22 digits beginning with the NPWP (or omitted: NPWP + 000000)"),
        "nik" when TaxIds.Nik(taxId) is null => ("tax_id", "must be a NIK of 16 digits"),
        "passport" when TaxIds.Passport(taxId) is null => ("tax_id", "must be a passport number of 5 to 20 letters and digits"),
        _ => ("nitku", "is only for an NPWP"),
    };

    private static BillingDetailsInput InvalidTaxId((string Field, string Rule) c) => InvalidTaxId(c.Field, c.Rule);

    private static BillingDetailsInput InvalidTaxId(string field, string rule) =>
        Refused(Fail.With(400, $"{field} {rule}", ErrorCodes.InvalidTaxId));

    private static BillingDetailsInput Invalid(string message, string code) => Refused(Fail.With(400, message, code));

    private static BillingDetailsInput Refused(JsonHttpResult<ApiError> error) => new(null, null, null, null, null, error);

    public static string TypeName(TaxIdType type) => JsonNamingPolicy.SnakeCaseLower.ConvertName(type.ToString());
}
