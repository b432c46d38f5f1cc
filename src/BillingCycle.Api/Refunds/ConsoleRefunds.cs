using BillingCycle.Api.Console.Seams;
using Npgsql;

namespace BillingCycle.Api.Refunds;

/// <summary>The console's refund form: the API's refund call, for an invoice of this customer only.</summary>
public sealed class ConsoleRefunds(NpgsqlDataSource db, RefundStore store) : IRefundActions
{
    public async Task<ActionOutcome> RefundAsync(string userId, RefundAsked r, OperatorAction action, CancellationToken ct)
    {
        await using var owner = db.CreateCommand("SELECT 1 FROM invoices WHERE id = $1 AND user_id = $2");
        owner.Parameters.Add(new() { Value = r.InvoiceId });
        owner.Parameters.Add(new() { Value = userId });
        if (await owner.ExecuteScalarAsync(ct) is null)
        {
            return new ActionOutcome(ActionStatus.NotFound, "This customer has no such invoice.", "INVOICE_NOT_FOUND");
        }
        var result = await store.RefundAsync(new RefundRequest(r.InvoiceId, r.Amount, action.Reason, r.RevokeCredits, r.CancelSubscription, action.OperatorId));
        if (RefundHandlers.Refusal(result.Outcome) is { Value: { } refused })
        {
            var status = result.Outcome == RefundOutcome.NotFound ? ActionStatus.NotFound : ActionStatus.Refused;
            return new ActionOutcome(status, refused.Error, refused.Code);
        }
        var note = await store.CreditNoteAsync(result.CreditNoteId!.Value, CancellationToken.None);
        return new ActionOutcome(ActionStatus.Done, $"Credit note {note?.CreditNoteNumber} issued.");
    }
}
