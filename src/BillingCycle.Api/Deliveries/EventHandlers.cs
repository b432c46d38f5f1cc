using System.Globalization;
using BillingCycle.Api.Infrastructure.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BillingCycle.Api.Deliveries;

/// <summary>The catch-up answer: events after the cursor, oldest first; pass next_after back as after.</summary>
public sealed record EventsAnswer(IReadOnlyList<EventView> Events, Guid? NextAfter, bool HasMore);

/// <summary>GET /api/billing/events?after=&amp;limit= (BILLING_EVENTS_SECRET): the events the web app may have missed (contract §8.4).</summary>
public static class EventHandlers
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 1_000;

    public static async Task<Results<Ok<EventsAnswer>, JsonHttpResult<ApiError>>> List(
        string? after, string? limit, EventLog log, CancellationToken ct)
    {
        Guid? cursor = null;
        if (!string.IsNullOrEmpty(after))
        {
            if (!Guid.TryParse(after, out var id))
            {
                return Fail.With(400, "after must be the id of an event", ErrorCodes.InvalidRequest);
            }
            cursor = id;
        }
        var n = DefaultLimit;
        if (!string.IsNullOrEmpty(limit)
            && !(int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out n) && n is >= 1 and <= MaxLimit))
        {
            return Fail.With(400, $"limit must be a whole number from 1 to {MaxLimit}", ErrorCodes.InvalidRequest);
        }
        if (await log.AfterAsync(cursor, n, ct) is not { } page)
        {
            return Fail.With(404, "No event has this id (events are kept for BILLING_RETENTION_DAYS)", ErrorCodes.NotFound);
        }
        var next = page.Events.Count > 0 ? page.Events[^1].Id : cursor;
        return TypedResults.Ok(new EventsAnswer(page.Events, next, page.HasMore));
    }
}
