using Npgsql;

namespace BillingCycle.Api.Tax;

/// <summary>billing_details, one row per user (contract §12.2). The table's checks hold the same shapes as TaxIds.</summary>
public sealed class BillingDetailsStore(NpgsqlDataSource db)
{
    public async Task<BillingDetailsView> GetAsync(string userId, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("""
            SELECT name, email, address, tax_id_type, tax_id, nitku, updated_at
              FROM billing_details WHERE user_id = $1
            """);
        cmd.Parameters.AddWithValue(userId);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        return await r.ReadAsync(ct)
            ? new BillingDetailsView(userId, Str(r, 0), Str(r, 1), Str(r, 2), Str(r, 3), Str(r, 4), Str(r, 5), r.GetFieldValue<DateTimeOffset>(6))
            : new BillingDetailsView(userId, null, null, null, null, null, null, null);
    }

    /// <returns>The stored details, or null when there is no such user.</returns>
    public async Task<BillingDetailsView?> PutAsync(string userId, BillingDetailsInput input, DateTimeOffset now, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("""
            INSERT INTO billing_details AS d (user_id, name, email, address, tax_id_type, tax_id, nitku, created_at, updated_at)
            SELECT u.id, $2, $3, $4, $5, $6, $7, $8, $8 FROM users u WHERE u.id = $1
            ON CONFLICT (user_id) DO UPDATE
               SET name = excluded.name, email = excluded.email, address = excluded.address,
                   tax_id_type = excluded.tax_id_type, tax_id = excluded.tax_id, nitku = excluded.nitku,
                   updated_at = excluded.updated_at
            RETURNING d.user_id
            """);
        cmd.Parameters.AddWithValue(userId);
        cmd.Parameters.AddWithValue((object?)input.Name ?? DBNull.Value);
        cmd.Parameters.AddWithValue((object?)input.Email ?? DBNull.Value);
        cmd.Parameters.AddWithValue((object?)input.Address ?? DBNull.Value);
        cmd.Parameters.AddWithValue(input.Identity is { } i ? BillingDetailsInput.TypeName(i.Type) : DBNull.Value);
        cmd.Parameters.AddWithValue((object?)input.Identity?.TaxId ?? DBNull.Value);
        cmd.Parameters.AddWithValue((object?)input.Identity?.Nitku ?? DBNull.Value);
        cmd.Parameters.AddWithValue(now);
        return await cmd.ExecuteScalarAsync(ct) is null ? null : await GetAsync(userId, ct);
    }

    private static string? Str(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);
}
