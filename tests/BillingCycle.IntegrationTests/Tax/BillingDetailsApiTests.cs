using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using BillingCycle.TestSupport;

namespace BillingCycle.IntegrationTests.Tax;

/// <summary>GET/PUT /api/billing-details (contract §12.2) and the buyer snapshot a paid invoice keeps.</summary>
public sealed class BillingDetailsApiTests : IAsyncLifetime
{
    private TaxWorld _t = null!;

    public async Task InitializeAsync() => _t = await TaxWorld.StartAsync();

    public async Task DisposeAsync() => await _t.DisposeAsync();

    private static async Task<JsonElement> Json(HttpResponseMessage res) => await res.Content.ReadFromJsonAsync<JsonElement>();

    [Fact]
    public async Task An_NPWP_typed_with_dots_and_dashes_or_in_15_digits_is_stored_as_16_digits_with_the_head_office_NITKU()
    {
        await Seed.UserAsync(_t.W.H.Db, "u_npwp");
        using var put = await _t.PutDetailsAsync("u_npwp", new { name = "PT Maju", address = "Jl. Sudirman 1", tax_id_type = "npwp", tax_id = "01.234.567.8-901.000" });
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        var body = await Json(put);
        Assert.Equal("0012345678901000", body.GetProperty("tax_id").GetString());
        Assert.Equal("0012345678901000000000", body.GetProperty("nitku").GetString());

        var get = await Json(await _t.W.As("u_npwp").GetAsync("/api/billing-details"));
        Assert.Equal("npwp", get.GetProperty("tax_id_type").GetString());
        Assert.Equal("PT Maju", get.GetProperty("name").GetString());
        Assert.Equal("0012345678901000", await _t.W.H.Db.ScalarAsync<string>("SELECT tax_id FROM billing_details WHERE user_id = 'u_npwp'"));

        using var branch = await _t.PutDetailsAsync("u_npwp", new { tax_id_type = "npwp", tax_id = "0012345678901000", nitku = "0012345678901000000123" });
        Assert.Equal("0012345678901000000123", (await Json(branch)).GetProperty("nitku").GetString());
    }

    [Theory]
    [InlineData("npwp", "0012345678901ABC", null, "tax_id")]          // letters
    [InlineData("npwp", "12345678901234", null, "tax_id")]            // 14 digits
    [InlineData("npwp", "00123456789010001", null, "tax_id")]         // 17 digits
    [InlineData("npwp", "0012345678901000", "9912345678901000000000", "nitku")] // NITKU of another NPWP
    [InlineData("npwp", "0012345678901000", "00123456789010000", "nitku")]     // NITKU too short
    [InlineData("nik", "317101010101000", null, "tax_id")]            // 15-digit NIK
    [InlineData("nik", "3171010101010001", "3171010101010001000000", "nitku")] // NITKU is for an NPWP
    [InlineData("passport", "A1<2>", null, "tax_id")]
    [InlineData("ktp", "3171010101010001", null, "tax_id_type")]
    [InlineData(null, "3171010101010001", null, "tax_id_type")]
    public async Task A_malformed_tax_identity_is_400_INVALID_TAX_ID_naming_the_field(string? type, string taxId, string? nitku, string field)
    {
        await Seed.UserAsync(_t.W.H.Db, "u_bad");
        using var res = await _t.PutDetailsAsync("u_bad", new { tax_id_type = type, tax_id = taxId, nitku });
        Assert.Equal(HttpStatusCode.BadRequest, res.StatusCode);
        var body = await Json(res);
        Assert.Equal("INVALID_TAX_ID", body.GetProperty("code").GetString());
        Assert.StartsWith(field + " ", body.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, await _t.W.H.Db.ScalarAsync<long>("SELECT count(*) FROM billing_details"));
    }

    [Fact]
    public async Task Another_user_s_details_are_403_for_a_customer_and_allowed_for_an_admin()
    {
        await Seed.UserAsync(_t.W.H.Db, "u_other");
        using var mine = await _t.W.As("u_me").GetAsync("/api/billing-details?user_id=u_other");
        Assert.Equal(HttpStatusCode.Forbidden, mine.StatusCode);
        using var put = await _t.PutDetailsAsync("u_me", new { user_id = "u_other", name = "x" });
        Assert.Equal(HttpStatusCode.Forbidden, put.StatusCode);

        var admin = _t.W.H.Api.ClientFor(_t.W.H.Api.Tokens.Admin("user_admin"));
        using var byAdmin = await admin.PutAsJsonAsync("/api/billing-details", new { user_id = "u_other", tax_id_type = "nik", tax_id = "3171010101010001" });
        Assert.Equal(HttpStatusCode.OK, byAdmin.StatusCode);
        using var unknown = await admin.PutAsJsonAsync("/api/billing-details", new { user_id = "u_nobody", name = "x" });
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("USER_NOT_FOUND", (await Json(unknown)).GetProperty("code").GetString());
    }

    [Fact]
    public async Task The_buyer_is_taken_into_the_invoice_when_it_is_paid_and_later_edits_never_change_it()
    {
        await Seed.UserAsync(_t.W.H.Db, "u_buyer");
        (await _t.PutDetailsAsync("u_buyer", new { name = "PT Lama", address = "Jl. Lama 1", tax_id_type = "npwp", tax_id = "0012345678901000" })).EnsureSuccessStatusCode();
        var (checkout, _) = await _t.W.CheckoutAsync("u_buyer", _t.W.Pro);
        checkout.EnsureSuccessStatusCode();
        Assert.Null(await _t.W.H.Db.ScalarAsync<string?>("SELECT buyer::text FROM invoices WHERE user_id = 'u_buyer'"));

        (await _t.W.PayLatestAsync("u_buyer")).EnsureSuccessStatusCode();
        (await _t.PutDetailsAsync("u_buyer", new { name = "PT Baru", tax_id_type = "nik", tax_id = "3171010101010001" })).EnsureSuccessStatusCode();

        Assert.Equal("PT Lama|npwp|0012345678901000|0012345678901000000000|Jl. Lama 1", await _t.W.H.Db.ScalarAsync<string>("""
            SELECT concat_ws('|', buyer ->> 'name', buyer ->> 'tax_id_type', buyer ->> 'tax_id', buyer ->> 'nitku', buyer ->> 'address')
              FROM invoices WHERE user_id = 'u_buyer' AND status = 'paid'
            """));
        // Not even a direct write changes it (db/functions/tax.sql).
        await Assert.ThrowsAsync<Npgsql.PostgresException>(() => _t.W.H.Db.ExecAsync(
            "UPDATE invoices SET buyer = '{\"name\": \"PT Baru\"}' WHERE user_id = 'u_buyer'"));
    }
}
