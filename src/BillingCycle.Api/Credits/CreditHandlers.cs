using System.Globalization;
using System.Security.Claims;
using System.Text;
using BillingCycle.Api.Infrastructure.Auth;
using BillingCycle.Api.Infrastructure.Http;
using BillingCycle.Api.Infrastructure.Observability;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Npgsql;

namespace BillingCycle.Api.Credits;

/// <summary>The credit endpoints (contract §5). Each is a named static method, testable on its own.</summary>
public static class CreditHandlers
{
    public static Task<Results<Ok<CreditResetAnswer>, JsonHttpResult<ApiError>>> ResetInteraction(
        HttpRequest request, ClaimsPrincipal user, CreditStore store, CreditsOptions options, CancellationToken ct) =>
        ChangeAsync(request, user, store, options, CreditType.Interaction, "reset", "Interaction credits reset",
            (c, amount) => new CreditResetAnswer(true, c.TransactionId, amount, c.NewBalance, "Interaction credits reset successfully"), ct);

    public static Task<Results<Ok<CreditAddAnswer>, JsonHttpResult<ApiError>>> AddScraper(
        HttpRequest request, ClaimsPrincipal user, CreditStore store, CreditsOptions options, CancellationToken ct) =>
        ChangeAsync(request, user, store, options, CreditType.Scraper, "add", "Scraper credits added",
            (c, amount) => new CreditAddAnswer(true, c.TransactionId, amount, c.NewBalance, "Scraper credits added successfully"), ct);

    public static async Task<Ok<CreditBalanceAnswer>> Balance(ClaimsPrincipal user, CreditStore store, CancellationToken ct) =>
        TypedResults.Ok(await store.BalanceAsync(user.UserId(), ct));

    public static async Task<Results<Ok<CreditConsumeAnswer>, JsonHttpResult<ApiError>>> Consume(
        string creditType, HttpRequest request, ClaimsPrincipal user, CreditStore store, CancellationToken ct)
    {
        if (CreditRequestParser.Type(creditType) is not { } type)
        {
            return Fail.With(400, "Unknown credit type (interaction or scraper)", ErrorCodes.InvalidRequest);
        }
        var read = await JsonBody.ReadObjectAsync(request, ct);
        if (read.Error is { } bodyError)
        {
            return bodyError;
        }
        using var doc = read.Document!;
        var (amount, reference, error) = CreditRequestParser.ParseConsume(doc.RootElement);
        if (error is not null)
        {
            return Fail.With(400, error.Error, error.Code);
        }
        var self = user.UserId();
        try
        {
            var change = await store.ApplyAsync(self, type, "consume", amount, reference, "Credits consumed", self, ct);
            if (!change.Replayed)
            {
                BillingMetrics.Credit(type.Name(), "consume", amount, "api");
            }
            return TypedResults.Ok(new CreditConsumeAnswer(change.TransactionId, change.NewBalance));
        }
        catch (Exception ex) when (ex is InsufficientCreditsException or PostgresException { SqlState: "BC409" })
        {
            return Fail.With(409, "Not enough credits", ErrorCodes.InsufficientCredits);
        }
    }

    public static async Task<Results<Ok<CreditTransactionsAnswer>, JsonHttpResult<ApiError>>> Transactions(
        ClaimsPrincipal user, CreditStore store,
        [FromQuery(Name = "credit_type")] string? creditType, [FromQuery] string? limit, [FromQuery] string? before,
        CancellationToken ct)
    {
        CreditType? type = null;
        if (creditType is not null && (type = CreditRequestParser.Type(creditType)) is null)
        {
            return Fail.With(400, "credit_type must be interaction or scraper", ErrorCodes.InvalidRequest);
        }
        var size = 20;
        if (limit is not null && (!int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out size) || size is < 1 or > 100))
        {
            return Fail.With(400, "limit must be a whole number from 1 to 100", ErrorCodes.InvalidRequest);
        }
        LedgerCursor? cursor = null;
        if (before is not null && (cursor = Cursor.Decode(before)) is null)
        {
            return Fail.With(400, "before is not a cursor this endpoint returned", ErrorCodes.InvalidRequest);
        }
        var rows = await store.LedgerAsync(user.UserId(), type, size, cursor, ct);
        var next = rows.Count == size ? Cursor.Encode(new LedgerCursor(rows[^1].CreatedAt, rows[^1].Seq, rows[^1].CreditType)) : null;
        return TypedResults.Ok(new CreditTransactionsAnswer(rows, next));
    }

    private static async Task<Results<Ok<T>, JsonHttpResult<ApiError>>> ChangeAsync<T>(
        HttpRequest request, ClaimsPrincipal user, CreditStore store, CreditsOptions options,
        CreditType type, string kind, string defaultDescription, Func<CreditChange, long, T> answer, CancellationToken ct)
    {
        var self = user.UserId();
        var admin = user.IsBillingAdmin();
        if (!admin && !options.SelfService)
        {
            return Fail.With(403, "Only an admin may change credits", ErrorCodes.Forbidden);
        }
        var read = await JsonBody.ReadObjectAsync(request, ct);
        if (read.Error is { } bodyError)
        {
            return bodyError;
        }
        using var doc = read.Document!;
        var (req, error) = CreditRequestParser.ParseChange(doc.RootElement);
        if (error is not null)
        {
            return Fail.With(400, error.Error, error.Code);
        }
        var target = req!.UserId ?? self;
        if (!admin && target != self)
        {
            return Fail.With(403, "You may only change your own credits", ErrorCodes.Forbidden);
        }
        var description = req.Description ?? defaultDescription;

        // Under an Idempotency-Key (IdempotencyFilter) the change is made in the key's transaction,
        // so the change and the answer a repeat gets commit together.
        var applied = request.HttpContext.Features.Get<IdempotencyScope>() is { } scope
            ? await store.ApplyInAsync(scope, target, type, kind, req.Amount, req.ReferenceId, description, self, ct)
            : await store.ApplyAsync(target, type, kind, req.Amount, req.ReferenceId, description, self, ct);
        Count(applied, type, kind, req.Amount);
        return TypedResults.Ok(answer(applied, req.Amount));
    }

    private static void Count(CreditChange change, CreditType type, string kind, long amount)
    {
        if (!change.Replayed)
        {
            BillingMetrics.Credit(type.Name(), kind, amount, "api");
        }
    }
}

/// <summary>Opaque paging cursor over (created_at, seq, credit_type).</summary>
internal static class Cursor
{
    public static string Encode(LedgerCursor c) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(
                $"{c.At.UtcTicks.ToString(CultureInfo.InvariantCulture)}|{c.Seq.ToString(CultureInfo.InvariantCulture)}|{c.CreditType}"))
            .TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static LedgerCursor? Decode(string s)
    {
        try
        {
            var b64 = s.Replace('-', '+').Replace('_', '/');
            b64 = b64.PadRight(b64.Length + ((4 - (b64.Length % 4)) % 4), '=');
            var parts = Encoding.UTF8.GetString(Convert.FromBase64String(b64)).Split('|');
            if (parts.Length == 3 && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
                && ticks > 0 && ticks < DateTimeOffset.MaxValue.UtcTicks
                && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var seq) && seq > 0
                && parts[2] is "interaction" or "scraper")
            {
                return new LedgerCursor(new DateTimeOffset(ticks, TimeSpan.Zero), seq, parts[2]);
            }
        }
        catch (FormatException)
        {
        }
        return null;
    }
}
