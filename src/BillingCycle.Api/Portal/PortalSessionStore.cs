using Npgsql;

namespace BillingCycle.Api.Portal;

/// <summary>Who a portal request acts for: read only from the session (or Clerk's cookie), never from a form or a query.</summary>
public sealed record PortalCustomer(string UserId, string Locale, string? ReturnUrl, bool ViaClerkCookie = false);

public enum LinkRefusal { Unknown, Used, Expired }

/// <summary>portal_links and portal_sessions (db/migrations/0130_portal.sql): links made, redeemed once, sessions found and ended.</summary>
public sealed class PortalSessionStore(NpgsqlDataSource db)
{
    public async Task CreateLinkAsync(string token, string userId, string locale, string? returnUrl, DateTimeOffset now,
        DateTimeOffset expires, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("""
            INSERT INTO portal_links (token_hash, user_id, locale, return_url, created_at, expires_at)
            VALUES ($1, $2, $3, $4, $5, $6)
            """);
        cmd.Parameters.Add(new() { Value = PortalTokens.Hash(token) });
        cmd.Parameters.Add(new() { Value = userId });
        cmd.Parameters.Add(new() { Value = locale });
        cmd.Parameters.Add(new() { Value = (object?)returnUrl ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        cmd.Parameters.Add(new() { Value = now });
        cmd.Parameters.Add(new() { Value = expires });
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// Spends the link and opens its session in one statement: the UPDATE … WHERE used_at IS NULL
    /// lets exactly one request through, however many arrive together (contract §14).
    /// </summary>
    public async Task<PortalCustomer?> RedeemAsync(string linkToken, string sessionToken, DateTimeOffset now, DateTimeOffset sessionExpires,
        CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("""
            WITH link AS (
                UPDATE portal_links SET used_at = $2
                 WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2
                RETURNING user_id, locale, return_url)
            INSERT INTO portal_sessions (token_hash, user_id, locale, return_url, created_at, expires_at)
            SELECT $3, link.user_id, link.locale, link.return_url, $2, $4 FROM link
            RETURNING user_id, locale, return_url
            """);
        cmd.Parameters.Add(new() { Value = PortalTokens.Hash(linkToken) });
        cmd.Parameters.Add(new() { Value = now });
        cmd.Parameters.Add(new() { Value = PortalTokens.Hash(sessionToken) });
        cmd.Parameters.Add(new() { Value = sessionExpires });
        await using var r = await cmd.ExecuteReaderAsync(ct);
        return await r.ReadAsync(ct) ? new PortalCustomer(r.GetString(0), r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2)) : null;
    }

    /// <summary>Why a link was not redeemed, for a page that says so.</summary>
    public async Task<LinkRefusal> WhyRefusedAsync(string linkToken, DateTimeOffset now, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("SELECT used_at IS NOT NULL, expires_at <= $2 FROM portal_links WHERE token_hash = $1");
        cmd.Parameters.Add(new() { Value = PortalTokens.Hash(linkToken) });
        cmd.Parameters.Add(new() { Value = now });
        await using var r = await cmd.ExecuteReaderAsync(ct);
        if (!await r.ReadAsync(ct))
        {
            return LinkRefusal.Unknown;
        }
        return r.GetBoolean(0) ? LinkRefusal.Used : LinkRefusal.Expired;
    }

    /// <summary>The live session of this cookie: not signed out, not expired.</summary>
    public async Task<PortalCustomer?> FindAsync(string sessionToken, DateTimeOffset now, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("""
            SELECT user_id, locale, return_url FROM portal_sessions
             WHERE token_hash = $1 AND ended_at IS NULL AND expires_at > $2
            """);
        cmd.Parameters.Add(new() { Value = PortalTokens.Hash(sessionToken) });
        cmd.Parameters.Add(new() { Value = now });
        await using var r = await cmd.ExecuteReaderAsync(ct);
        return await r.ReadAsync(ct) ? new PortalCustomer(r.GetString(0), r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2)) : null;
    }

    public async Task EndAsync(string sessionToken, DateTimeOffset now, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("UPDATE portal_sessions SET ended_at = $2 WHERE token_hash = $1 AND ended_at IS NULL");
        cmd.Parameters.Add(new() { Value = PortalTokens.Hash(sessionToken) });
        cmd.Parameters.Add(new() { Value = now });
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// Housekeeping: deletes links and sessions that expired before <paramref name="before"/>
    /// (portal_*_expires_idx). A used link or an ended session expired too by then (a link lives
    /// minutes, a session at most an hour), so nothing live is ever deleted.
    /// </summary>
    public static async Task<(int Links, int Sessions)> PruneAsync(NpgsqlDataSource db, DateTimeOffset before, CancellationToken ct)
    {
        await using var links = db.CreateCommand("DELETE FROM portal_links WHERE expires_at < $1");
        links.Parameters.Add(new() { Value = before });
        await using var sessions = db.CreateCommand("DELETE FROM portal_sessions WHERE expires_at < $1");
        sessions.Parameters.Add(new() { Value = before });
        return (await links.ExecuteNonQueryAsync(ct), await sessions.ExecuteNonQueryAsync(ct));
    }
}
