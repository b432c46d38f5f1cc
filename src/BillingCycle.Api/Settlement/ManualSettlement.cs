using BillingCycle.Api.Infrastructure.Time;
using Npgsql;
using NpgsqlTypes;

namespace BillingCycle.Api.Settlement;

/// <summary>How the money arrived outside iPaymu (contract §13.1).</summary>
public enum ManualMethod
{
    BankTransfer,
    Cash,
    Other,
}

/// <summary>A payment an operator saw arrive elsewhere, to be settled like any other (contract §13.1).</summary>
public sealed record ManualPayment(Guid InvoiceId, ManualMethod Method, string Reference, long Amount,
    DateTimeOffset? PaidAt, string Note, string OperatorId);

/// <summary>What billing_record_manual_payment answered (db/functions/manual_payments.sql).</summary>
public enum ManualOutcome
{
    Applied,
    NotFound,
    InvoiceNotOpen,
    AmountMismatch,
    PaidAtInFuture,
    PaidAtBeforeInvoice,
}

public sealed record ManualResult(ManualOutcome Outcome, Guid? PaymentId, long InteractionGranted, long ScraperGranted);

/// <summary>
/// The SQL of a manual payment: one function, one transaction, that records the payments row
/// (provider manual) and settles it through billing_mark_paid, the function every confirmed iPaymu
/// payment runs. Called only by <see cref="AttemptSettler.RecordManualAsync"/>.
/// </summary>
public sealed class ManualSettlementStore(NpgsqlDataSource db, BillingClock clock)
{
    public async Task<ManualResult> RecordAsync(ManualPayment p, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("""
            SELECT outcome, payment_id, interaction_credits, scraper_credits
              FROM billing_record_manual_payment($1, $2, $3, $4, $5, $6, $7, $8)
            """);
        cmd.Parameters.Add(new() { Value = p.InvoiceId });
        cmd.Parameters.Add(new() { Value = Word(p.Method) });
        cmd.Parameters.Add(new() { Value = p.Reference });
        cmd.Parameters.Add(new() { Value = p.Amount });
        cmd.Parameters.Add(new() { Value = p.PaidAt is { } at ? at.ToUniversalTime() : DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        cmd.Parameters.Add(new() { Value = p.Note });
        cmd.Parameters.Add(new() { Value = p.OperatorId });
        cmd.Parameters.Add(new() { Value = clock.UtcNow });
        await using var r = await cmd.ExecuteReaderAsync(CancellationToken.None);
        await r.ReadAsync(CancellationToken.None);
        var outcome = r.GetString(0) switch
        {
            "applied" => ManualOutcome.Applied,
            "not_found" => ManualOutcome.NotFound,
            "invoice_not_open" => ManualOutcome.InvoiceNotOpen,
            "amount_mismatch" => ManualOutcome.AmountMismatch,
            "paid_at_in_future" => ManualOutcome.PaidAtInFuture,
            "paid_at_before_invoice" => ManualOutcome.PaidAtBeforeInvoice,
            var w => throw new InvalidOperationException($"billing_record_manual_payment answered an unknown outcome '{w}'"),
        };
        return new ManualResult(outcome, r.IsDBNull(1) ? null : r.GetGuid(1),
            r.IsDBNull(2) ? 0 : r.GetInt64(2), r.IsDBNull(3) ? 0 : r.GetInt64(3));
    }

    public static string Word(ManualMethod m) => m switch
    {
        ManualMethod.BankTransfer => "bank_transfer",
        ManualMethod.Cash => "cash",
        _ => "other",
    };

    public static ManualMethod? ParseMethod(string? word) => word switch
    {
        "bank_transfer" => ManualMethod.BankTransfer,
        "cash" => ManualMethod.Cash,
        "other" => ManualMethod.Other,
        _ => null,
    };
}
