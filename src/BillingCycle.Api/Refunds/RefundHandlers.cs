using System.Security.Claims;
using BillingCycle.Api.Infrastructure.Auth;
using BillingCycle.Api.Infrastructure.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BillingCycle.Api.Refunds;

/// <summary>POST /api/admin/invoices/{id}/refunds (contract §13.2).</summary>
public static class RefundHandlers
{
    public static async Task<Results<Created<RefundAnswer>, JsonHttpResult<ApiError>>> Refund(
        string id, HttpRequest request, ClaimsPrincipal user, RefundStore store, CancellationToken ct)
    {
        var (fields, error) = await RefundBody.ReadAsync(request, ct);
        if (error is not null)
        {
            return error;
        }
        if (!Guid.TryParse(id, out var invoiceId))
        {
            return Fail.With(404, "No such invoice", ErrorCodes.InvoiceNotFound);
        }
        var f = fields!;
        var result = await store.RefundAsync(new RefundRequest(invoiceId, f.Amount, f.Reason, f.RevokeCredits, f.CancelSubscription, user.UserId()));
        if (Refusal(result.Outcome) is { } refused)
        {
            return refused;
        }
        var note = (await store.CreditNoteAsync(result.CreditNoteId!.Value, CancellationToken.None))!;
        var invoice = (await store.InvoiceAsync(invoiceId, CancellationToken.None))!;
        return TypedResults.Created($"/api/admin/invoices/{invoiceId}", new RefundAnswer(note, invoice));
    }

    /// <summary>The one mapping from a refused refund to its answer; the console shows the same codes.</summary>
    public static JsonHttpResult<ApiError>? Refusal(RefundOutcome outcome) => outcome switch
    {
        RefundOutcome.Refunded => null,
        RefundOutcome.NotFound => Fail.With(404, "No such invoice", ErrorCodes.InvoiceNotFound),
        RefundOutcome.NotPaid => Fail.With(409, "Only a paid invoice can be refunded", ErrorCodes.InvoiceNotPaid),
        RefundOutcome.AlreadyRefunded => Fail.With(409, "This invoice is already fully refunded", ErrorCodes.InvoiceAlreadyRefunded),
        _ => Fail.With(409, "The refunds would exceed what was paid for this invoice", ErrorCodes.RefundExceedsPaid),
    };
}
