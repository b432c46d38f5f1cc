using BillingCycle.Api.Infrastructure.Time;
using Npgsql;
using NpgsqlTypes;

namespace BillingCycle.Api.Coupons;

/// <summary>The coupons table as admins manage it (db/migrations/0110_coupons.sql); redeeming is db/functions/coupons.sql.</summary>
public sealed class CouponStore(NpgsqlDataSource db, BillingClock clock)
{
    private const string Columns = """
        id, code, name, percent_off, amount_off, duration, duration_in_periods, max_redemptions, times_redeemed,
        redeem_by, plan_ids, is_active, created_at
        """;

    /// <summary>The new coupon, or null when its code is taken (codes are unique without regard to case).</summary>
    public async Task<CouponView?> CreateAsync(CouponSpec c, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand($"""
            INSERT INTO coupons (code, name, percent_off, amount_off, duration, duration_in_periods, max_redemptions,
                                 redeem_by, plan_ids, is_active, created_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, true, $10)
            ON CONFLICT ((lower(code))) DO NOTHING
            RETURNING {Columns}
            """);
        cmd.Parameters.Add(new() { Value = c.Code });
        cmd.Parameters.Add(new() { Value = c.Name });
        cmd.Parameters.Add(new() { Value = (object?)c.PercentOff ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Integer });
        cmd.Parameters.Add(new() { Value = (object?)c.AmountOff ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bigint });
        cmd.Parameters.Add(new() { Value = c.Duration });
        cmd.Parameters.Add(new() { Value = (object?)c.DurationInPeriods ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Integer });
        cmd.Parameters.Add(new() { Value = (object?)c.MaxRedemptions ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Integer });
        cmd.Parameters.Add(new() { Value = (object?)c.RedeemBy ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        cmd.Parameters.Add(new() { Value = (object?)c.PlanIds ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid });
        cmd.Parameters.Add(new() { Value = clock.UtcNow });
        await using var r = await cmd.ExecuteReaderAsync(ct);
        return await r.ReadAsync(ct) ? Read(r) : null;
    }

    public async Task<List<CouponView>> ListAsync(CancellationToken ct)
    {
        await using var cmd = db.CreateCommand($"SELECT {Columns} FROM coupons ORDER BY created_at DESC, id LIMIT 1000");
        var list = new List<CouponView>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            list.Add(Read(r));
        }
        return list;
    }

    /// <summary>No new redemptions from now on; running discounts keep running. Null: no such coupon.</summary>
    public async Task<CouponView?> DeactivateAsync(Guid id, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand($"UPDATE coupons SET is_active = false WHERE id = $1 RETURNING {Columns}");
        cmd.Parameters.Add(new() { Value = id });
        await using var r = await cmd.ExecuteReaderAsync(ct);
        return await r.ReadAsync(ct) ? Read(r) : null;
    }

    private static CouponView Read(NpgsqlDataReader r) => new(
        r.GetGuid(0), r.GetString(1), r.GetString(2), r.IsDBNull(3) ? null : r.GetInt32(3), r.IsDBNull(4) ? null : r.GetInt64(4),
        r.GetString(5), r.IsDBNull(6) ? null : r.GetInt32(6), r.IsDBNull(7) ? null : r.GetInt32(7), r.GetInt32(8),
        r.IsDBNull(9) ? null : r.GetFieldValue<DateTimeOffset>(9), r.IsDBNull(10) ? null : r.GetFieldValue<Guid[]>(10),
        r.GetBoolean(11), r.GetFieldValue<DateTimeOffset>(12));
}
