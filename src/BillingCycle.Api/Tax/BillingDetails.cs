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

    /// <summary>The field a refusal names (name, email, address, tax_id_type, tax_id, nitku), for a form that shows it beside the field.</summary>
    public string? Field { get; private init; }

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
        if (!userOk)
        {
            return Invalid("user_id must be a short string", ErrorCodes.InvalidRequest, "user_id");
        }
        // Strings of any length here; Check bounds them, for the JSON body and the portal's form alike.
        var fields = new string?[Names.Length];
        for (var i = 0; i < Names.Length; i++)
        {
            var (value, ok) = JsonBody.OptionalString(root, Names[i], int.MaxValue);
            if (!ok)
            {
                return i < 3 ? TooLong(Names[i]) : InvalidTaxId(Names[i], "must be a string");
            }
            fields[i] = value;
        }
        return Check(userId, fields[0], fields[1], fields[2], fields[3], fields[4], fields[5]);
    }

    private static readonly string[] Names = ["name", "email", "address", "tax_id_type", "tax_id", "nitku"];

    /// <summary>
    /// The one set of rules for billing details (contract §12.2): the API's JSON body and the portal's
    /// form both end here. Empty strings are absent values.
    /// </summary>
    public static BillingDetailsInput Check(string? userId, string? name, string? email, string? address,
        string? type, string? taxId, string? nitku)
    {
        (name, email, address, type, taxId, nitku) = (Blank(name), Blank(email), Blank(address), Blank(type), Blank(taxId), Blank(nitku));
        foreach (var (field, value, max) in new[] { ("name", name, MaxName), ("email", email, MaxEmail), ("address", address, MaxAddress) })
        {
            if (value is not null && (value.Length > max || value.Contains('\0', StringComparison.Ordinal)))
            {
                return TooLong(field);
            }
        }
        if (name?.Any(char.IsControl) == true || address?.Any(ch => char.IsControl(ch) && ch is not ('\n' or '\r')) == true)
        {
            var field = name?.Any(char.IsControl) == true ? "name" : "address";
            return Invalid($"{field} must be printable text", ErrorCodes.InvalidRequest, field);
        }
        if (email is not null && (!email.Contains('@', StringComparison.Ordinal) || email.Any(char.IsWhiteSpace)))
        {
            return Invalid("email must be an email address", ErrorCodes.InvalidRequest, "email");
        }
        foreach (var (field, value, max) in new[] { ("tax_id_type", type, 20), ("tax_id", taxId, 40), ("nitku", nitku, 40) })
        {
            if (value is not null && (value.Length > max || value.Contains('\0', StringComparison.Ordinal)))
            {
                return InvalidTaxId(field, "must be a string");
            }
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

    private static string? Blank(string? s) => string.IsNullOrEmpty(s) ? null : s;

    private static BillingDetailsInput TooLong(string field)
    {
        var max = field switch { "name" => MaxName, "email" => MaxEmail, _ => MaxAddress };
        return Invalid($"{field} must be text of at most {max} characters", ErrorCodes.InvalidRequest, field);
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
        Refused(Fail.With(400, $"{field} {rule}", ErrorCodes.InvalidTaxId)) with { Field = field };

    private static BillingDetailsInput Invalid(string message, string code, string field) =>
        Refused(Fail.With(400, message, code)) with { Field = field };

    private static BillingDetailsInput Refused(JsonHttpResult<ApiError> error) => new(null, null, null, null, null, error);

    public static string TypeName(TaxIdType type) => JsonNamingPolicy.SnakeCaseLower.ConvertName(type.ToString());
}
