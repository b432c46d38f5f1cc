using BillingCycle.Api.Billing;
using BillingCycle.Api.Infrastructure.Time;
using Npgsql;

namespace BillingCycle.Api.Subscriptions;

public enum PackPurchaseOutcome { Created, PackNotFound, TooManyOpen, UnderMinCharge }

public sealed record PackPurchase(PackPurchaseOutcome Outcome, Guid? InvoiceId, Guid? PaymentId);

/// <summary>A credit pack as GET /api/credit-packs lists it (contract §11.4).</summary>
public sealed record CreditPackView(Guid Id, string Name, string CreditType, long Credits, long Price, bool IsActive, DateTimeOffset CreatedAt);

public sealed record CreditPacksAnswer(IReadOnlyList<CreditPackView> CreditPacks);

/// <summary>POST /api/credit-packs/{id}/purchase: the invoice, its iPaymu link (null while iPaymu is away) and its pay page.</summary>
public sealed record PackPurchaseAnswer(InvoiceView Invoice, string? PaymentUrl, string? InvoiceUrl);

/// <summary>
/// Credit packs (db/functions/credit_packs.sql): the catalogue, and a purchase, one SQL function in
/// one transaction whose outcome words are parsed here, once.
/// </summary>
public sealed class CreditPackStore(NpgsqlDataSource db, BillingClock clock, BillingOptions options)
{
    /// <summary>Open pack invoices a user may have at once (contract §11.4); the fourth purchase is refused.</summary>
    public const int MaxOpenInvoices = 3;

    private const string Columns = "id, name, credit_type, credits, price, is_active, created_at";

    public async Task<List<CreditPackView>> ActiveAsync(CancellationToken ct)
    {
        await using var cmd = db.CreateCommand($"SELECT {Columns} FROM credit_packs WHERE is_active ORDER BY price, name, id");
        var list = new List<CreditPackView>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            list.Add(Read(r));
        }
        return list;
    }

    /// <summary>The least a pack may cost: iPaymu's minimum (contract §11.4); a pack is never waived.</summary>
    public long MinPrice => options.MinCharge;

    public async Task<CreditPackView> CreateAsync(string name, string creditType, long credits, long price, bool isActive, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand($"""
            INSERT INTO credit_packs (name, credit_type, credits, price, is_active, created_at)
            VALUES ($1, $2, $3, $4, $5, $6)
            RETURNING {Columns}
            """);
        cmd.Parameters.Add(new() { Value = name });
        cmd.Parameters.Add(new() { Value = creditType });
        cmd.Parameters.Add(new() { Value = credits });
        cmd.Parameters.Add(new() { Value = price });
        cmd.Parameters.Add(new() { Value = isActive });
        cmd.Parameters.Add(new() { Value = clock.UtcNow });
        await using var r = await cmd.ExecuteReaderAsync(ct);
        await r.ReadAsync(ct);
        return Read(r);
    }

    public async Task<PackPurchase> BuyAsync(string userId, Guid packId, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand(
            "SELECT outcome, invoice_id, payment_id FROM billing_buy_credit_pack($1, $2, $3, $4, $5::jsonb, $6)");
        cmd.Parameters.Add(new() { Value = userId });
        cmd.Parameters.Add(new() { Value = packId });
        cmd.Parameters.Add(new() { Value = MaxOpenInvoices });
        cmd.Parameters.Add(new() { Value = clock.UtcNow });
        cmd.Parameters.Add(new() { Value = options.Tax.ToJson() });
        cmd.Parameters.Add(new() { Value = options.MinCharge });
        await using var r = await cmd.ExecuteReaderAsync(ct);
        await r.ReadAsync(ct);
        var outcome = r.GetString(0) switch
        {
            "created" => PackPurchaseOutcome.Created,
            "pack_not_found" => PackPurchaseOutcome.PackNotFound,
            "too_many_open" => PackPurchaseOutcome.TooManyOpen,
            "under_min_charge" => PackPurchaseOutcome.UnderMinCharge,
            var other => throw new InvalidOperationException($"billing_buy_credit_pack answered an unknown outcome '{other}'"),
        };
        return new PackPurchase(outcome, r.IsDBNull(1) ? null : r.GetGuid(1), r.IsDBNull(2) ? null : r.GetGuid(2));
    }

    private static CreditPackView Read(NpgsqlDataReader r) => new(
        r.GetGuid(0), r.GetString(1), r.GetString(2), r.GetInt64(3), r.GetInt64(4), r.GetBoolean(5), r.GetFieldValue<DateTimeOffset>(6));
}
