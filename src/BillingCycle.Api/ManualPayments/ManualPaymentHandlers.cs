using System.Security.Claims;
using BillingCycle.Api.Infrastructure.Auth;
using BillingCycle.Api.Infrastructure.Http;
using BillingCycle.Api.Settlement;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BillingCycle.Api.ManualPayments;

/// <summary>The answer to a recorded payment: the payments row and the invoice it settled.</summary>
public sealed record ManualPaymentAnswer(Guid PaymentId, Guid InvoiceId, string Provider, string Method, string Reference,
    long Amount, DateTimeOffset? PaidAt, string InvoiceStatus);

/// <summary>POST /api/admin/invoices/{id}/payments (contract §13.1).</summary>
public static class ManualPaymentHandlers
{
    public static async Task<Results<Created<ManualPaymentAnswer>, JsonHttpResult<ApiError>>> Record(
        string id, HttpRequest request, ClaimsPrincipal user, AttemptSettler settler, CancellationToken ct)
    {
        var (fields, error) = await ManualPaymentBody.ReadAsync(request, ct);
        if (error is not null)
        {
            return error;
        }
        if (!Guid.TryParse(id, out var invoiceId))
        {
            return Fail.With(404, "No such invoice", ErrorCodes.InvoiceNotFound);
        }
        var f = fields!;
        var result = await settler.RecordManualAsync(
            new ManualPayment(invoiceId, f.Method, f.Reference, f.Amount, f.PaidAt, f.Note, user.UserId()), ct);
        return Answer(result, invoiceId, f);
    }

    /// <summary>The one mapping from an outcome to its answer; the console shows the same codes.</summary>
    public static Results<Created<ManualPaymentAnswer>, JsonHttpResult<ApiError>> Answer(ManualResult result, Guid invoiceId, ManualPaymentFields f) =>
        result.Outcome switch
        {
            ManualOutcome.Applied => TypedResults.Created($"/api/admin/invoices/{invoiceId}",
                new ManualPaymentAnswer(result.PaymentId!.Value, invoiceId, "manual", ManualSettlementStore.Word(f.Method),
                    f.Reference, f.Amount, f.PaidAt, "paid")),
            ManualOutcome.NotFound => Fail.With(404, "No such invoice", ErrorCodes.InvoiceNotFound),
            ManualOutcome.InvoiceNotOpen => Fail.With(409, "This invoice is not open for payment", ErrorCodes.InvoiceNotOpen),
            ManualOutcome.AmountMismatch => Fail.With(409, "The amount differs from the invoice's amount", ErrorCodes.AmountMismatch),
            ManualOutcome.PaidAtInFuture => Fail.With(400, "paid_at is in the future", ErrorCodes.PaidAtInFuture),
            _ => Fail.With(400, "paid_at is before the invoice was issued", ErrorCodes.PaidAtBeforeInvoice),
        };
}
