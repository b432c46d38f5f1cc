using BillingCycle.Api.Console.Seams;
using BillingCycle.Api.Settlement;
using Npgsql;

namespace BillingCycle.Api.ManualPayments;

/// <summary>The console's "Record payment": the API's settlement call, for an invoice of this customer only.</summary>
public sealed class ConsoleManualPayments(NpgsqlDataSource db, AttemptSettler settler) : IManualPaymentActions
{
    public async Task<ActionOutcome> RecordPaymentAsync(string userId, PaymentReceived p, OperatorAction action, CancellationToken ct)
    {
        await using var owner = db.CreateCommand("SELECT 1 FROM invoices WHERE id = $1 AND user_id = $2");
        owner.Parameters.Add(new() { Value = p.InvoiceId });
        owner.Parameters.Add(new() { Value = userId });
        if (await owner.ExecuteScalarAsync(ct) is null)
        {
            return new ActionOutcome(ActionStatus.NotFound, "This customer has no such invoice.", "INVOICE_NOT_FOUND");
        }
        if (ManualSettlementStore.ParseMethod(p.Method) is not { } method)
        {
            return new ActionOutcome(ActionStatus.Refused, "Choose bank transfer, cash or other.", "INVALID_METHOD");
        }
        DateTimeOffset? paidAt = null;
        if (p.PaidAt is { } text)
        {
            if (!ManualPaymentBody.TryParseInstant(text, out var at))
            {
                return new ActionOutcome(ActionStatus.Refused, "Paid at must be a time with its offset, e.g. 2026-11-03T09:30:00+07:00.", "INVALID_PAID_AT");
            }
            paidAt = at;
        }
        var result = await settler.RecordManualAsync(
            new ManualPayment(p.InvoiceId, method, p.Reference, p.Amount, paidAt, action.Reason, action.OperatorId), ct);
        return result.Outcome switch
        {
            ManualOutcome.Applied => new ActionOutcome(ActionStatus.Done, "Payment recorded; the invoice is paid."),
            ManualOutcome.NotFound => new ActionOutcome(ActionStatus.NotFound, "No such invoice.", "INVOICE_NOT_FOUND"),
            ManualOutcome.InvoiceNotOpen => new ActionOutcome(ActionStatus.Refused, "This invoice is not open for payment.", "INVOICE_NOT_OPEN"),
            ManualOutcome.AmountMismatch => new ActionOutcome(ActionStatus.Refused, "The amount differs from the invoice's amount.", "AMOUNT_MISMATCH"),
            ManualOutcome.PaidAtInFuture => new ActionOutcome(ActionStatus.Refused, "Paid at is in the future.", "PAID_AT_IN_FUTURE"),
            _ => new ActionOutcome(ActionStatus.Refused, "Paid at is before the invoice was issued.", "PAID_AT_BEFORE_INVOICE"),
        };
    }
}
