using System.Net;
using BillingCycle.IntegrationTests.Refunds;

namespace BillingCycle.IntegrationTests.Console;

/// <summary>
/// Contract §13 from the customer page: "Record payment" and the refund form run the API's own
/// code, refuse a POST without its antiforgery token, encode what the operator wrote, and put each
/// payment, refund and revocation in the timeline.
/// </summary>
public sealed class ConsoleMoneyTests : IAsyncLifetime
{
    private const string Operator = "user_operator_dewi";
    private MoneyWorld _m = null!;
    private ConsoleSession _admin = null!;

    public async Task InitializeAsync()
    {
        _m = await MoneyWorld.StartAsync();
        _admin = await ConsoleSession.SignInAsync(_m.W.H.Api, _m.W.H.Api.Tokens.Admin(Operator));
    }

    public async Task DisposeAsync()
    {
        _admin.Dispose();
        await _m.DisposeAsync();
    }

    [Fact]
    public async Task Both_forms_refuse_a_post_without_the_antiforgery_token_and_change_nothing()
    {
        var open = await _m.InvoiceAsync("u_open", pay: false);
        var paid = await _m.InvoiceAsync("u_paid");

        using var payment = await _admin.PostAsync("/admin/customers/u_open/payments", null,
            ("invoice_id", open.ToString()), ("method", "cash"), ("reference", "r"), ("amount", "149000"), ("reason", "no token"));
        using var refund = await _admin.PostAsync("/admin/customers/u_paid/refunds", null,
            ("invoice_id", paid.ToString()), ("amount", "1000"), ("reason", "no token"));

        Assert.Equal(HttpStatusCode.BadRequest, payment.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, refund.StatusCode);
        Assert.Equal("pending", await _m.W.H.Db.ScalarAsync<string>("SELECT status FROM invoices WHERE id = $1", open));
        Assert.Equal(0, await _m.W.H.Db.ScalarAsync<long>("SELECT count(*) FROM credit_notes"));
        Assert.Equal(0, await _m.W.H.Db.ScalarAsync<long>("SELECT count(*) FROM billing_logs WHERE event_type = 'operator_action'"));
    }

    [Fact]
    public async Task Recording_a_transfer_and_a_refund_from_the_customer_page_shows_them_in_the_timeline_with_html_encoded()
    {
        var invoice = await _m.InvoiceAsync("u_cons", pay: false);
        var token = await _admin.FormTokenAsync("/admin/customers/u_cons");

        using var recorded = await _admin.PostAsync("/admin/customers/u_cons/payments", token,
            ("invoice_id", invoice.ToString()), ("method", "bank_transfer"), ("reference", "BCA <778>"), ("amount", "149.000"),
            ("paid_at", ""), ("reason", "seen on the <b>statement</b>"));
        Assert.Equal(HttpStatusCode.SeeOther, recorded.StatusCode);
        Assert.Equal("/admin/customers/u_cons?done=payment_recorded", recorded.Headers.Location!.OriginalString);
        Assert.Equal("paid", await _m.W.H.Db.ScalarAsync<string>("SELECT status FROM invoices WHERE id = $1", invoice));

        using var refunded = await _admin.PostAsync("/admin/customers/u_cons/refunds", token,
            ("invoice_id", invoice.ToString()), ("amount", "49000"), ("revoke_credits", "true"), ("reason", "<script>x</script> half month"));
        Assert.Equal(HttpStatusCode.SeeOther, refunded.StatusCode);
        Assert.Equal("49000|paid", await _m.W.H.Db.ScalarAsync<string>("SELECT refunded_amount || '|' || status FROM invoices WHERE id = $1", invoice));
        Assert.Equal(2, await _m.W.H.Db.ScalarAsync<long>(
            "SELECT count(*) FROM billing_logs WHERE event_type = 'operator_action' AND details->>'operator_id' = $1", Operator));

        // Too much: the console's error page with the API's code; logged as refused; nothing changed.
        using var tooMuch = await _admin.PostAsync("/admin/customers/u_cons/refunds", token,
            ("invoice_id", invoice.ToString()), ("amount", "100001"), ("reason", "again"));
        Assert.Equal(HttpStatusCode.Conflict, tooMuch.StatusCode);
        Assert.Contains("REFUND_EXCEEDS_PAID", await tooMuch.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(1, await _m.W.H.Db.ScalarAsync<long>("SELECT count(*) FROM credit_notes"));
        Assert.Equal("failed", await _m.W.H.Db.ScalarAsync<string>(
            "SELECT status FROM billing_logs WHERE event_type = 'operator_action' AND details->>'reason' = 'again'"));

        // Another customer's invoice through this customer's page: not found, nothing done.
        var foreign = await _m.InvoiceAsync("u_other");
        using var crossed = await _admin.PostAsync("/admin/customers/u_cons/refunds", token,
            ("invoice_id", foreign.ToString()), ("amount", "1000"), ("reason", "wrong page"));
        Assert.Equal(HttpStatusCode.NotFound, crossed.StatusCode);

        // A reason of 10,000 characters: the console's error page, nothing recorded.
        using var long_ = await _admin.PostAsync("/admin/customers/u_cons/refunds", token,
            ("invoice_id", invoice.ToString()), ("amount", "1000"), ("reason", new string('x', 10_000)));
        Assert.Equal(HttpStatusCode.BadRequest, long_.StatusCode);
        Assert.Equal(1, await _m.W.H.Db.ScalarAsync<long>("SELECT count(*) FROM credit_notes"));

        var (status, html) = await _admin.GetAsync("/admin/customers/u_cons");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("Manual payment (bank transfer) for INV-", html, StringComparison.Ordinal);
        Assert.Contains("reference BCA &lt;778&gt;", html, StringComparison.Ordinal);
        Assert.Contains("Refund CN-202611-", html, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;x&lt;/script&gt; half month", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>x</script>", html, StringComparison.Ordinal);
        Assert.Contains("Revoke interaction credits", html, StringComparison.Ordinal);
        Assert.Contains("IDR 49,000 refunded already", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_export_lists_the_months_credit_notes_as_negative_rows_of_type_credit_note()
    {
        var invoice = await _m.InvoiceAsync("u_csv");
        await _m.RefundAsync(invoice, new { amount = 49_000, reason = "partial" });

        var (status, csv) = await _admin.GetAsync("/admin/export?month=2026-11");

        Assert.Equal(HttpStatusCode.OK, status);
        var lines = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.EndsWith(",type,invoice,kind", lines[0], StringComparison.Ordinal);
        var number = await _m.W.H.Db.ScalarAsync<string>("SELECT invoice_number FROM invoices WHERE id = $1", invoice);
        Assert.Single(lines, l => l.StartsWith(number + ",", StringComparison.Ordinal) && l.EndsWith($",invoice,{number},subscription_create", StringComparison.Ordinal));
        var note = Assert.Single(lines, l => l.StartsWith("CN-", StringComparison.Ordinal)).Split(',');
        Assert.Equal(["-49000", "0", "refunded", "credit_note", number, "subscription_create"], [note[5], note[6], note[7], note[10], note[11], note[12]]);
    }
}
