using System.Globalization;
using System.Security.Claims;
using System.Text;
using BillingCycle.Api.Infrastructure.Auth;
using BillingCycle.Api.Infrastructure.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace BillingCycle.Api.Subscriptions;

/// <summary>GET /api/invoices, GET /api/invoices/{id}, POST /api/invoices/{id}/pay (contract §7.3, §7.6).</summary>
public static class InvoiceHandlers
{
    public static async Task<Results<Ok<InvoicesAnswer>, JsonHttpResult<ApiError>>> List(
        ClaimsPrincipal user, SubscriptionReader reader, [FromQuery] string? limit, [FromQuery] string? before,
        [FromQuery(Name = "user_id")] string? requested, CancellationToken ct)
    {
        if (Actor.For(user, requested) is not { } userId)
        {
            return SubscriptionHandlers.Forbidden();
        }
        var size = 20;
        if (limit is not null && (!int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out size) || size is < 1 or > 100))
        {
            return Fail.With(400, "limit must be a whole number from 1 to 100", ErrorCodes.InvalidRequest);
        }
        (DateTimeOffset, Guid)? cursor = null;
        if (before is not null && (cursor = DecodeCursor(before)) is null)
        {
            return Fail.With(400, "before is not a cursor this endpoint returned", ErrorCodes.InvalidRequest);
        }
        var rows = await reader.InvoicesAsync(userId, size, cursor, ct);
        var next = rows.Count == size ? EncodeCursor(rows[^1].CreatedAt, rows[^1].Id) : null;
        return TypedResults.Ok(new InvoicesAnswer(rows, next));
    }

    public static async Task<Results<Ok<InvoiceView>, JsonHttpResult<ApiError>>> Get(
        string id, ClaimsPrincipal user, SubscriptionReader reader, [FromQuery(Name = "user_id")] string? requested, CancellationToken ct)
    {
        if (Actor.For(user, requested) is not { } userId)
        {
            return SubscriptionHandlers.Forbidden();
        }
        return Guid.TryParse(id, out var invoiceId) && await reader.InvoiceAsync(invoiceId, userId, ct) is { } invoice
            ? TypedResults.Ok(invoice)
            : NotFound();
    }

    public static async Task<Results<Ok<PayNowAnswer>, JsonHttpResult<ApiError>>> Pay(
        string id, ClaimsPrincipal user, SubscriptionReader reader, PayNow payNow, [FromQuery(Name = "user_id")] string? requested,
        CancellationToken ct)
    {
        if (Actor.For(user, requested) is not { } userId)
        {
            return SubscriptionHandlers.Forbidden();
        }
        if (!Guid.TryParse(id, out var invoiceId) || await reader.InvoiceAsync(invoiceId, userId, ct) is null)
        {
            return NotFound();
        }
        var link = await payNow.LinkAsync(invoiceId, ct);
        return link.Result switch
        {
            PayLinkResult.Ready => TypedResults.Ok(new PayNowAnswer(link.Url!, link.ExpiresAt!.Value, link.AttemptNumber!.Value)),
            PayLinkResult.NotOpen => Fail.With(409, "This invoice is not open for payment", ErrorCodes.InvoiceNotOpen),
            PayLinkResult.TooMany => Fail.With(429, "A new payment link was made less than a minute ago; use it or try again shortly", ErrorCodes.TooManyAttempts),
            PayLinkResult.GatewayUnavailable => Fail.With(503, "The payment gateway is unavailable; please try again shortly", ErrorCodes.GatewayUnavailable),
            _ => Fail.With(409, "The payment gateway refused this payment", ErrorCodes.PaymentRefused),
        };
    }

    private static JsonHttpResult<ApiError> NotFound() => Fail.With(404, "No such invoice", ErrorCodes.InvoiceNotFound);

    private static string EncodeCursor(DateTimeOffset at, Guid id) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes($"{at.UtcTicks.ToString(CultureInfo.InvariantCulture)}|{id:N}"))
            .TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static (DateTimeOffset, Guid)? DecodeCursor(string s)
    {
        try
        {
            var b64 = s.Replace('-', '+').Replace('_', '/');
            b64 = b64.PadRight(b64.Length + ((4 - (b64.Length % 4)) % 4), '=');
            var parts = Encoding.UTF8.GetString(Convert.FromBase64String(b64)).Split('|');
            if (parts.Length == 2 && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
                && ticks > 0 && ticks < DateTimeOffset.MaxValue.UtcTicks && Guid.TryParseExact(parts[1], "N", out var id))
            {
                return (new DateTimeOffset(ticks, TimeSpan.Zero), id);
            }
        }
        catch (FormatException)
        {
        }
        return null;
    }
}
