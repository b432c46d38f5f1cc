using System.Security.Cryptography;
using System.Text.Json;
using BillingCycle.Api.Infrastructure.Auth;
using BillingCycle.Api.Infrastructure.Time;
using Npgsql;

namespace BillingCycle.Api.Infrastructure.Http;

/// <summary>
/// Idempotency-Key on a signed-in POST (contract §7), the one implementation, for the
/// credit, subscription and invoice endpoints alike. The key is claimed under (user, endpoint, key)
/// with a hash of the request (its body and query string) in a transaction that stays open while
/// the handler runs and that also stores the answer: the claim, the answer and — for a handler that
/// makes its change inside that transaction (<see cref="IdempotencyScope"/>, the credit changes) —
/// the change commit together or not at all.
/// <list type="bullet">
/// <item>A repeat gets the first answer (status and JSON), without running the handler again.</item>
/// <item>A repeat while the first request is running waits on the key's unique index and then gets its answer.</item>
/// <item>The same key with another body (or query) is 409 IDEMPOTENCY_KEY_REUSED.</item>
/// <item>A key is never left "in progress": an uncommitted claim disappears with the transaction when
/// the handler throws, answers nothing JSON, or the process dies. A handler whose change commits on its
/// own (the subscription endpoints, whose change is followed by a gateway call) may then have made its
/// change without an answer stored; the repeat runs it again, and its own rules (one live subscription
/// per user, one open upgrade, pay-now's live link) refuse a second change.</item>
/// </list>
/// Keys are pruned by housekeeping after BILLING_IDEMPOTENCY_HOURS (default 24).
/// </summary>
public sealed class IdempotencyFilter(NpgsqlDataSource db, BillingClock clock) : IEndpointFilter
{
    public const string Header = "Idempotency-Key";

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        // Only a POST changes anything; a GET (the group's lists, a PDF) is answered afresh each time.
        if (!HttpMethods.IsPost(http.Request.Method) || !http.Request.Headers.TryGetValue(Header, out var values)
            || http.User.Identity?.IsAuthenticated != true)
        {
            return await next(context);
        }
        var key = values.ToString();
        if (key.Length is 0 or > 200)
        {
            return Fail.With(400, "Idempotency-Key must be 1 to 200 characters", ErrorCodes.InvalidRequest);
        }
        http.Request.EnableBuffering();
        if (await BoundedBody.ReadAsync(http.Request, http.RequestAborted) is not { } body)
        {
            return Fail.With(413, "Request body too large (64 KiB at most)", ErrorCodes.PayloadTooLarge);
        }
        http.Request.Body.Position = 0;
        var request = new KeyedRequest(http.User.UserId(), $"{http.Request.Method} {http.Request.Path}", key,
            Convert.ToHexStringLower(SHA256.HashData([.. body, .. System.Text.Encoding.UTF8.GetBytes(http.Request.QueryString.Value ?? "")])));

        await using var conn = await db.OpenConnectionAsync(http.RequestAborted);
        await using var tx = await conn.BeginTransactionAsync(http.RequestAborted);
        var claim = await ClaimAsync(conn, tx, request, http.RequestAborted);
        if (claim is not Claim.Claimed)
        {
            await tx.RollbackAsync(CancellationToken.None);
            return claim switch
            {
                Claim.Answered a => Results.Text(a.Json, "application/json", statusCode: a.Status),
                Claim.Reused => Fail.With(409, "This Idempotency-Key was used with another request", ErrorCodes.IdempotencyKeyReused),
                _ => Fail.With(409, "A request with this Idempotency-Key is still being processed", ErrorCodes.IdempotencyKeyInUse),
            };
        }

        object? result;
        http.Features.Set(new IdempotencyScope(conn, tx));
        try
        {
            result = await next(context); // an exception rolls the claim (and a change made in its scope) back
        }
        finally
        {
            http.Features.Set<IdempotencyScope>(null);
        }
        // A handler's Results<...> union wraps the result it chose.
        var answered = result is INestedHttpResult nested ? nested.Result : result;
        // "Try again later" (429, 5xx) is not an answer to keep: the client retries with the same key,
        // as it should, and must reach the handler again rather than a replay of the refusal.
        if (answered is IStatusCodeHttpResult { StatusCode: { } status and not (429 or >= 500) } and IValueHttpResult { Value: { } value })
        {
            var options = http.RequestServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value;
            await AnswerAsync(conn, tx, request, status, JsonSerializer.Serialize(value, value.GetType(), options.SerializerOptions));
            await tx.CommitAsync(CancellationToken.None); // once the change is made, the answer is kept whatever the client does
        }
        else
        {
            await tx.RollbackAsync(CancellationToken.None); // no JSON answer to replay: the key stays free
        }
        return result;
    }

    /// <summary>
    /// The same claim for a form, which cannot send a header (the portal's buy buttons carry their key
    /// in a hidden field): <paramref name="change"/> runs at most once per (user, endpoint, key) while
    /// the claim is held, and the JSON it returns is kept with the key; a repeat gets that JSON back
    /// without running it. A change that returns null (a refusal) keeps nothing: the key stays free.
    /// Once the key is claimed the change runs, and its answer is stored, with CancellationToken.None:
    /// a change that commits on its own (a pack purchase) must not be cut off by the client aborting
    /// (the browser drops the first request of a double click), or the claim would roll back after the
    /// purchase committed and the repeat would buy again.
    /// </summary>
    public async Task<(KeyedRun Run, string? Json)> RunOnceAsync(string user, string endpoint, string key, string requestHash,
        Func<CancellationToken, Task<string?>> change, CancellationToken ct)
    {
        var request = new KeyedRequest(user, endpoint, key, requestHash);
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var claim = await ClaimAsync(conn, tx, request, ct);
        if (claim is not Claim.Claimed)
        {
            await tx.RollbackAsync(CancellationToken.None);
            return claim switch
            {
                Claim.Answered a => (KeyedRun.Replayed, a.Json),
                Claim.Reused => (KeyedRun.Reused, null),
                _ => (KeyedRun.InUse, null),
            };
        }
        var json = await change(CancellationToken.None); // an exception rolls the claim back
        if (json is null)
        {
            await tx.RollbackAsync(CancellationToken.None);
            return (KeyedRun.Refused, null);
        }
        await AnswerAsync(conn, tx, request, StatusCodes.Status201Created, json);
        await tx.CommitAsync(CancellationToken.None);
        return (KeyedRun.Ran, json);
    }

    /// <summary>Housekeeping: deletes the keys claimed before <paramref name="before"/> (idempotency_keys_created_at_idx).</summary>
    public static async Task<int> PruneAsync(NpgsqlDataSource db, DateTimeOffset before, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("DELETE FROM idempotency_keys WHERE created_at < $1");
        cmd.Parameters.Add(new() { Value = before });
        return await cmd.ExecuteNonQueryAsync(ct);
    }

    private sealed record KeyedRequest(string User, string Endpoint, string Key, string Hash);

    private abstract record Claim
    {
        public sealed record Claimed : Claim;
        public sealed record Answered(int Status, string Json) : Claim;
        public sealed record Reused : Claim;
        /// <summary>A row without an answer: only an older version of the service committed those (migration 0050 removed them).</summary>
        public sealed record InProgress : Claim;
    }

    /// <summary>
    /// Inserts the claim, or — once any transaction holding the key has ended (the insert waits for
    /// it on the unique index) — reads what it left. A key pruned meanwhile is claimed again.
    /// </summary>
    private async Task<Claim> ClaimAsync(NpgsqlConnection conn, NpgsqlTransaction tx, KeyedRequest r, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            await using (var insert = new NpgsqlCommand("""
                INSERT INTO idempotency_keys (user_id, endpoint, key, request_hash, created_at)
                VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING
                """, conn, tx))
            {
                Add(insert, r);
                insert.Parameters.Add(new() { Value = r.Hash });
                insert.Parameters.Add(new() { Value = clock.UtcNow });
                if (await insert.ExecuteNonQueryAsync(ct) == 1)
                {
                    return new Claim.Claimed();
                }
            }
            await using var read = new NpgsqlCommand(
                "SELECT request_hash, coalesce(status_code, 0), response::text FROM idempotency_keys WHERE user_id = $1 AND endpoint = $2 AND key = $3",
                conn, tx);
            Add(read, r);
            await using var row = await read.ExecuteReaderAsync(ct);
            if (await row.ReadAsync(ct))
            {
                return row.GetString(0) != r.Hash ? new Claim.Reused()
                    : row.IsDBNull(2) ? new Claim.InProgress()
                    : new Claim.Answered(row.GetInt32(1), row.GetString(2));
            }
            if (attempt == 2)
            {
                throw new InvalidOperationException("idempotency key neither claimed nor found three times");
            }
        }
    }

    private static async Task AnswerAsync(NpgsqlConnection conn, NpgsqlTransaction tx, KeyedRequest r, int status, string json)
    {
        await using var cmd = new NpgsqlCommand(
            "UPDATE idempotency_keys SET status_code = $4, response = $5::jsonb WHERE user_id = $1 AND endpoint = $2 AND key = $3",
            conn, tx);
        Add(cmd, r);
        cmd.Parameters.Add(new() { Value = status });
        cmd.Parameters.Add(new() { Value = json });
        await cmd.ExecuteNonQueryAsync(CancellationToken.None);
    }

    private static void Add(NpgsqlCommand cmd, KeyedRequest r)
    {
        cmd.Parameters.Add(new() { Value = r.User });
        cmd.Parameters.Add(new() { Value = r.Endpoint });
        cmd.Parameters.Add(new() { Value = r.Key });
    }
}

/// <summary>What <see cref="IdempotencyFilter.RunOnceAsync"/> did: ran the change (or it refused), replayed the first answer, or refused the key.</summary>
public enum KeyedRun { Ran, Refused, Replayed, Reused, InUse }

/// <summary>
/// The open transaction of a claimed Idempotency-Key (<see cref="IdempotencyFilter"/>), offered to the
/// handler as a request feature: a change made in it commits with the key and its stored answer.
/// A handler that uses it must answer with a JSON value (anything else rolls the change back).
/// </summary>
public sealed record IdempotencyScope(NpgsqlConnection Connection, NpgsqlTransaction Transaction);
