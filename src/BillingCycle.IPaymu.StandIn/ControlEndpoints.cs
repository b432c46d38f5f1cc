using System.Net;
using System.Text;

namespace BillingCycle.IPaymu.StandIn;

/// <summary>What a person or a test does on the gateway's side: pay, let expire, fail; set faults.</summary>
public static class ControlEndpoints
{
    public static void MapControl(this WebApplication app)
    {
        app.MapGet("/", Page);
        app.MapGet("/pay/{sid}", Page);
        app.MapGet("/_standin/payments", (StandInState s) => s.BySession.Values.OrderByDescending(p => p.CreatedAt));
        app.MapGet("/_standin/requests", (StandInState s, string? path) =>
            s.Requests.Where(r => path is null || r.Path == path).ToList());
        app.MapPost("/_standin/payments/{sid}/{action}", Act);
        app.MapPost("/_standin/payments/by-reference/{reference}/{action}", ActByReference);
        app.MapPost("/_standin/faults", (StandInState s, StandInFaults f) => { s.SetFaults(f); return Results.Ok(f); });
        app.MapDelete("/_standin/faults", (StandInState s) => { s.SetFaults(new StandInFaults()); return Results.NoContent(); });
        app.MapPost("/_standin/reset", (StandInState s) =>
        {
            s.BySession.Clear();
            s.ByTransaction.Clear();
            s.Requests.Clear();
            s.SetFaults(new StandInFaults());
            return Results.NoContent();
        });
    }

    private static Task<IResult> ActByReference(string reference, string action, bool? deliver, string? redirect,
        StandInState state, CallbackSender sender, CancellationToken ct)
    {
        var p = state.BySession.Values.Where(x => x.ReferenceId == reference).OrderByDescending(x => x.CreatedAt).FirstOrDefault();
        return p is null
            ? Task.FromResult(Results.NotFound(new { error = "no payment with that reference" }))
            : Act(p.SessionId, action, deliver, redirect, state, sender, ct);
    }

    /// <summary>pay | expire | fail | cancel | resend: changes the status and posts the signed callback.</summary>
    private static async Task<IResult> Act(string sid, string action, bool? deliver, string? redirect,
        StandInState state, CallbackSender sender, CancellationToken ct)
    {
        if (!state.BySession.TryGetValue(sid, out var p))
        {
            return Results.NotFound(new { error = "no such session" });
        }
        lock (p)
        {
            state.AssignTransaction(p);
            switch (action)
            {
                case "pay":
                    p.Status = 1;
                    p.PaidAt ??= state.Clock.GetUtcNow();
                    break;
                case "expire":
                    p.Status = -2;
                    break;
                case "fail":
                    p.Status = 5;
                    break;
                case "cancel":
                    p.Status = 2;
                    break;
                case "pending":
                    p.Status = 0;
                    break;
                case "resend":
                    break;
                default:
                    return Results.BadRequest(new { error = "action is pay, expire, fail, cancel, pending or resend" });
            }
        }
        var callback = sender.Build(p);
        var delivery = deliver == false
            ? new Delivery(callback, false, null, "not delivered (deliver=false)")
            : await sender.DeliverAsync(callback, ct);
        if (redirect is not null)
        {
            // From one payment's page (redirect=return) the customer goes back to returnUrl, as on iPaymu; from the list, to the list.
            return Results.Redirect(redirect == "return" && WayBack(p.ReturnUrl) is { } back ? back.ToString() : "/");
        }
        return Results.Ok(new { transaction_id = p.TransactionId, status = p.Status, delivery });
    }

    private static async Task<IResult> Page(StandInState state, string? sid, IHttpClientFactory http,
        Microsoft.Extensions.Options.IOptions<StandInOptions> options, CancellationToken ct)
    {
        var serviceClock = await ServiceClock.DescribeAsync(http, options, ct);
        var sb = new StringBuilder();
        sb.Append("<!doctype html><meta charset=utf-8><title>iPaymu stand-in</title>")
          .Append("<style>body{font-family:sans-serif;margin:2em}td,th{padding:4px 10px;border-bottom:1px solid #ddd}</style>")
          .Append("<h1>iPaymu stand-in</h1><p>Payments created by the billing service. Paying or expiring one posts a signed callback to its notifyUrl.</p>")
          .Append("<p>Billing service's clock: <b>").Append(WebUtility.HtmlEncode(serviceClock)).Append("</b><br>")
          .Append("This stand-in, like iPaymu, keeps real time: now ").Append(GatewayEndpoints.Wib(DateTimeOffset.UtcNow)).Append(" WIB (UTC+7), ")
          .Append(DateTimeOffset.UtcNow.ToString("HH:mm 'UTC'", System.Globalization.CultureInfo.InvariantCulture)).Append(".</p>")
          .Append("<table><tr><th>created (WIB, UTC+7)</th><th>reference</th><th>buyer</th><th>amount</th><th>trx</th><th>status</th><th></th></tr>");
        foreach (var p in state.BySession.Values.Where(p => sid is null || p.SessionId == sid).OrderByDescending(p => p.CreatedAt))
        {
            sb.Append("<tr><td>").Append(GatewayEndpoints.Wib(p.CreatedAt)).Append(" WIB</td><td>").Append(WebUtility.HtmlEncode(p.ReferenceId))
              .Append("</td><td>").Append(WebUtility.HtmlEncode(p.BuyerName)).Append("</td><td>IDR ").Append(p.Amount.ToString("N0", System.Globalization.CultureInfo.InvariantCulture))
              .Append("</td><td>").Append(p.TransactionId ?? "-").Append("</td><td>").Append(GatewayEndpoints.StatusText(p.Status)).Append("</td><td>");
            if (p.Status == 0)
            {
                foreach (var a in new[] { "pay", "expire", "fail" })
                {
                    sb.Append("<form method=post style=display:inline action=\"/_standin/payments/").Append(p.SessionId).Append('/').Append(a)
                      .Append("?redirect=").Append(sid is null ? "list" : "return").Append("\"><button>").Append(a).Append("</button></form> ");
                }
            }
            sb.Append("</td></tr>");
        }
        sb.Append("</table>");
        // One payment's page, as iPaymu's: once it is settled, the way back to the merchant (returnUrl).
        if (sid is not null && state.BySession.TryGetValue(sid, out var one) && one.Status != 0 && WayBack(one.ReturnUrl) is { } back)
        {
            sb.Append("<p><a id=return href=\"").Append(WebUtility.HtmlEncode(back.ToString())).Append("\">Back to the merchant</a></p>");
        }
        return Results.Content(sb.ToString(), "text/html");
    }

    /// <summary>
    /// Where the customer goes after paying. iPaymu goes to returnUrl, the web app; locally no web app
    /// runs, so when returnUrl carries the invoice's pay page (invoice_url, as the billing service
    /// sends it) the stand-in goes there instead, as the web app would. Only http(s) addresses.
    /// </summary>
    internal static Uri? WayBack(string? returnUrl)
    {
        if (!Uri.TryCreate(returnUrl, UriKind.Absolute, out var back) || !IsWeb(back))
        {
            return null;
        }
        var invoice = System.Web.HttpUtility.ParseQueryString(back.Query)["invoice_url"];
        return Uri.TryCreate(invoice, UriKind.Absolute, out var page) && IsWeb(page) ? page : back;
    }

    private static bool IsWeb(Uri u) => u.Scheme == Uri.UriSchemeHttp || u.Scheme == Uri.UriSchemeHttps;
}
