using Npgsql;

namespace BillingCycle.Api.Console.Data;

public sealed record CustomerHit(string UserId, string? Email, string? Name, string? Status, string? Plan);

public sealed record SubscriptionRow(
    Guid Id, string Status, string Plan, long Price, DateTimeOffset? PeriodStart, DateTimeOffset? PeriodEnd,
    bool CancelAtPeriodEnd, DateTimeOffset? CanceledAt, string? CancelReason, DateTimeOffset CreatedAt);

public sealed record OpenInvoice(Guid Id, string Number, string Status, long Amount, DateTimeOffset PeriodStart, int Attempts);

public sealed record CustomerProfile(
    string UserId, string? Email, string? Name, string? Phone, IReadOnlyList<SubscriptionRow> Subscriptions,
    IReadOnlyList<OpenInvoice> OpenInvoices, long Interaction, long Scraper)
{
    /// <summary>The live subscription (not canceled), the one the customer actions act on.</summary>
    public SubscriptionRow? Live => Subscriptions.FirstOrDefault(s => s.Status != "canceled");
}

public sealed class CustomerStore(NpgsqlDataSource db)
{
    public const int SearchLimit = 50;

    /// <summary>
    /// Prefix search, case-insensitive, on email and name, and on the Clerk user id: three range
    /// reads of their text_pattern_ops indexes. LIKE's wildcards in the query are matched literally.
    /// </summary>
    public async Task<IReadOnlyList<CustomerHit>> SearchAsync(string query, CancellationToken ct)
    {
        var prefix = EscapeLike(query.Trim()) + "%";
        await using var cmd = db.CreateCommand("""
            WITH hits AS (
                (SELECT id FROM users WHERE lower(email) LIKE lower($1) ORDER BY lower(email) LIMIT $2)
                UNION
                (SELECT id FROM users WHERE lower(full_name) LIKE lower($1) ORDER BY lower(full_name) LIMIT $2)
                UNION
                (SELECT id FROM users WHERE id LIKE $1 ORDER BY id LIMIT $2)
            )
            SELECT u.id, u.email, u.full_name, s.status, s.name
              FROM hits h JOIN users u ON u.id = h.id
              LEFT JOIN LATERAL (SELECT sub.status, pl.name FROM subscriptions sub JOIN subscription_plans pl ON pl.id = sub.plan_id
                                  WHERE sub.user_id = u.id ORDER BY (sub.status = 'canceled'), sub.created_at DESC LIMIT 1) s ON true
             ORDER BY lower(u.email), u.id
             LIMIT $2
            """);
        cmd.Parameters.Add(new() { Value = prefix });
        cmd.Parameters.Add(new() { Value = SearchLimit });
        var hits = new List<CustomerHit>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            hits.Add(new CustomerHit(r.GetString(0), Text(r, 1), Text(r, 2), Text(r, 3), Text(r, 4)));
        }
        return hits;
    }

    public async Task<CustomerProfile?> ProfileAsync(string userId, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        string? email, name, phone;
        long interaction, scraper;
        await using (var cmd = new NpgsqlCommand("""
            SELECT u.email, u.full_name, u.phone,
                   coalesce((SELECT balance FROM credit_balances WHERE user_id = u.id AND credit_type = 'interaction'), 0),
                   coalesce((SELECT balance FROM credit_balances WHERE user_id = u.id AND credit_type = 'scraper'), 0)
              FROM users u WHERE u.id = $1
            """, conn))
        {
            cmd.Parameters.Add(new() { Value = userId });
            await using var r = await cmd.ExecuteReaderAsync(ct);
            if (!await r.ReadAsync(ct))
            {
                return null;
            }
            (email, name, phone, interaction, scraper) = (Text(r, 0), Text(r, 1), Text(r, 2), r.GetInt64(3), r.GetInt64(4));
        }

        var subscriptions = new List<SubscriptionRow>();
        await using (var cmd = new NpgsqlCommand("""
            SELECT s.id, s.status, p.name, p.price, s.current_period_start, s.current_period_end, s.cancel_at_period_end,
                   s.canceled_at, s.cancel_reason, s.created_at
              FROM subscriptions s JOIN subscription_plans p ON p.id = s.plan_id
             WHERE s.user_id = $1
             ORDER BY s.created_at DESC
             LIMIT 20
            """, conn))
        {
            cmd.Parameters.Add(new() { Value = userId });
            await using var r = await cmd.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct))
            {
                subscriptions.Add(new SubscriptionRow(r.GetGuid(0), r.GetString(1), r.GetString(2), r.GetInt64(3), Time(r, 4), Time(r, 5),
                    r.GetBoolean(6), Time(r, 7), Text(r, 8), r.GetFieldValue<DateTimeOffset>(9)));
            }
        }

        var open = new List<OpenInvoice>();
        await using (var cmd = new NpgsqlCommand("""
            SELECT id, invoice_number, status, amount, period_start, attempt_count
              FROM invoices
             WHERE user_id = $1 AND status IN ('pending', 'failed')
             ORDER BY created_at DESC
             LIMIT 10
            """, conn))
        {
            cmd.Parameters.Add(new() { Value = userId });
            await using var r = await cmd.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct))
            {
                open.Add(new OpenInvoice(r.GetGuid(0), r.GetString(1), r.GetString(2), r.GetInt64(3), r.GetFieldValue<DateTimeOffset>(4), r.GetInt32(5)));
            }
        }
        return new CustomerProfile(userId, email, name, phone, subscriptions, open, interaction, scraper);
    }

    internal static string EscapeLike(string s) =>
        s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal);

    private static string? Text(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);

    private static DateTimeOffset? Time(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetFieldValue<DateTimeOffset>(i);
}
