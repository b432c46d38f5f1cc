using System.Security.Claims;
using System.Security.Cryptography;
using System.Text.Json;
using BillingCycle.Api.Infrastructure.Auth;
using BillingCycle.Api.Infrastructure.Time;
using Npgsql;

namespace BillingCycle.Api.Infrastructure.Http;

/// <summary>
/// Idempotency-Key on a signed-in POST (SPEC §7, as the credit endpoints have it): the first
/// request's answer is stored under (user, endpoint, key) with a hash of the request; a repeat
/// gets that answer back, the same key with another request is 409 IDEMPOTENCY_KEY_REUSED, and a
/// repeat while the first is still running is 409 IDEMPOTENCY_KEY_IN_USE. The claim is a row of
/// idempotency_keys, so two instances agree.
/// </summary>
public sealed class IdempotencyFilter(NpgsqlDataSource db, BillingClock clock) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var key = http.Request.Headers["Idempotency-Key"].ToString();
        // Only a POST changes anything; a GET (the group's lists, a PDF) is answered afresh each time.
        if (!HttpMethods.IsPost(http.Request.Method) || string.IsNullOrEmpty(key) || http.User.Identity?.IsAuthenticated != true)
        {
            return await next(context);
        }
        if (key.Length > 200)
        {
            return Fail.With(400, "Idempotency-Key must be 1 to 200 characters", ErrorCodes.InvalidRequest);
        }
        http.Request.EnableBuffering();
        if (await BoundedBody.ReadAsync(http.Request, http.RequestAborted) is not { } body)
        {
            return Fail.With(413, "Request body too large (64 KiB at most)", ErrorCodes.PayloadTooLarge);
        }
        http.Request.Body.Position = 0;
        var user = http.User.UserId();
        var endpoint = $"{http.Request.Method} {http.Request.Path}";
        var hash = Convert.ToHexStringLower(SHA256.HashData([.. body, .. System.Text.Encoding.UTF8.GetBytes(http.Request.QueryString.Value ?? "")]));

        if (await ClaimAsync(user, endpoint, key, hash))
        {
            object? result;
            try
            {
                result = await next(context);
            }
            catch
            {
                await ReleaseAsync(user, endpoint, key); // nothing was answered: the key may be used again
                throw;
            }
            // A handler's Results<...> union wraps the result it chose.
            var answered = result is INestedHttpResult nested ? nested.Result : result;
            if (answered is IStatusCodeHttpResult { StatusCode: { } status } and IValueHttpResult { Value: { } value })
            {
                var options = http.RequestServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value;
                await StoreAsync(user, endpoint, key, status, JsonSerializer.Serialize(value, value.GetType(), options.SerializerOptions));
            }
            else
            {
                await ReleaseAsync(user, endpoint, key); // no JSON answer to replay: never leave the key "in progress"
            }
            return result;
        }

        if (await ReadAsync(user, endpoint, key) is not { } stored)
        {
            // The first request gave its key back (it failed) between our claim and this read.
            return Fail.With(409, "A request with this Idempotency-Key is still being processed", ErrorCodes.IdempotencyKeyInUse);
        }
        var (storedHash, storedStatus, storedJson) = stored;
        if (storedHash != hash)
        {
            return Fail.With(409, "This Idempotency-Key was used with another request", ErrorCodes.IdempotencyKeyReused);
        }
        if (storedJson is null)
        {
            return Fail.With(409, "A request with this Idempotency-Key is still being processed", ErrorCodes.IdempotencyKeyInUse);
        }
        return Results.Text(storedJson, "application/json", statusCode: storedStatus);
    }

    private async Task<bool> ClaimAsync(string user, string endpoint, string key, string hash)
    {
        await using var cmd = db.CreateCommand("""
            INSERT INTO idempotency_keys (user_id, endpoint, key, request_hash, created_at)
            VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING
            """);
        cmd.Parameters.Add(new() { Value = user });
        cmd.Parameters.Add(new() { Value = endpoint });
        cmd.Parameters.Add(new() { Value = key });
        cmd.Parameters.Add(new() { Value = hash });
        cmd.Parameters.Add(new() { Value = clock.UtcNow });
        return await cmd.ExecuteNonQueryAsync() == 1;
    }

    private async Task StoreAsync(string user, string endpoint, string key, int status, string json)
    {
        await using var cmd = db.CreateCommand(
            "UPDATE idempotency_keys SET status_code = $4, response = $5::jsonb WHERE user_id = $1 AND endpoint = $2 AND key = $3");
        cmd.Parameters.Add(new() { Value = user });
        cmd.Parameters.Add(new() { Value = endpoint });
        cmd.Parameters.Add(new() { Value = key });
        cmd.Parameters.Add(new() { Value = status });
        cmd.Parameters.Add(new() { Value = json });
        await cmd.ExecuteNonQueryAsync(CancellationToken.None);
    }

    private async Task ReleaseAsync(string user, string endpoint, string key)
    {
        await using var cmd = db.CreateCommand(
            "DELETE FROM idempotency_keys WHERE user_id = $1 AND endpoint = $2 AND key = $3 AND response IS NULL");
        cmd.Parameters.Add(new() { Value = user });
        cmd.Parameters.Add(new() { Value = endpoint });
        cmd.Parameters.Add(new() { Value = key });
        await cmd.ExecuteNonQueryAsync(CancellationToken.None);
    }

    private async Task<(string Hash, int Status, string? Json)?> ReadAsync(string user, string endpoint, string key)
    {
        await using var cmd = db.CreateCommand(
            "SELECT request_hash, coalesce(status_code, 0), response::text FROM idempotency_keys WHERE user_id = $1 AND endpoint = $2 AND key = $3");
        cmd.Parameters.Add(new() { Value = user });
        cmd.Parameters.Add(new() { Value = endpoint });
        cmd.Parameters.Add(new() { Value = key });
        await using var r = await cmd.ExecuteReaderAsync();
        if (!await r.ReadAsync())
        {
            return null;
        }
        return (r.GetString(0), r.GetInt32(1), r.IsDBNull(2) ? null : r.GetString(2));
    }
}
