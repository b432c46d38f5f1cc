using System.Globalization;
using System.Text.Json;
using BillingCycle.Api.Infrastructure.Http;
using BillingCycle.Api.Infrastructure.Time;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BillingCycle.Api.Billing;

public sealed record ClockAnswer(DateTimeOffset Now);

/// <summary>
/// POST /api/billing/test-clock {"now": ISO-8601} — moves the frozen clock of BILLING_TEST_CLOCK
/// forward (contract §5, §6.9), so a whole dunning month can be rehearsed in seconds. 404 unless the
/// service was started with a test clock.
/// </summary>
public static class TestClockHandlers
{
    public static async Task<Results<Ok<ClockAnswer>, JsonHttpResult<ApiError>>> Move(
        HttpRequest request, IServiceProvider services, CancellationToken ct)
    {
        if (services.GetService<TestClock>() is not { } clock)
        {
            return Fail.With(404, "The test clock is off (start with BILLING_TEST_CLOCK)", ErrorCodes.NotFound);
        }
        var read = await JsonBody.ReadObjectAsync(request, ct);
        if (read.Error is { } error)
        {
            return error;
        }
        using var doc = read.Document!;
        if (!doc.RootElement.TryGetProperty("now", out var now) || now.ValueKind != JsonValueKind.String
            || !DateTimeOffset.TryParse(now.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var to))
        {
            return Fail.With(400, "now must be an ISO-8601 instant", ErrorCodes.InvalidRequest);
        }
        if (!clock.MoveTo(to.ToUniversalTime()))
        {
            return Fail.With(400, $"The clock is at {clock.GetUtcNow():o}; it only moves forward", ErrorCodes.ClockBackwards);
        }
        return TypedResults.Ok(new ClockAnswer(clock.GetUtcNow()));
    }

    /// <summary>GET: the test clock's time; 404 like POST when the service runs on the real clock.</summary>
    public static Results<Ok<ClockAnswer>, JsonHttpResult<ApiError>> Get(IServiceProvider services) =>
        services.GetService<TestClock>() is { } clock
            ? TypedResults.Ok(new ClockAnswer(clock.GetUtcNow()))
            : Fail.With(404, "The test clock is off (start with BILLING_TEST_CLOCK)", ErrorCodes.NotFound);
}
