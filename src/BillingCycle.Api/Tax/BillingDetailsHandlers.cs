using System.Security.Claims;
using BillingCycle.Api.Infrastructure.Http;
using BillingCycle.Api.Infrastructure.Time;
using BillingCycle.Api.Infrastructure.Auth;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace BillingCycle.Api.Tax;

/// <summary>What the billing-details handlers need, bundled.</summary>
public sealed record BillingDetailsServices(HttpRequest Request, ClaimsPrincipal User, BillingDetailsStore Store, BillingClock Clock,
    CancellationToken Cancellation);

/// <summary>GET/PUT /api/billing-details: the caller's own; an admin may add user_id (contract §12.2).</summary>
public static class BillingDetailsHandlers
{
    public static async Task<Results<Ok<BillingDetailsView>, JsonHttpResult<ApiError>>> Get(
        [AsParameters] BillingDetailsServices s, [FromQuery(Name = "user_id")] string? requested)
    {
        if (Actor.For(s.User, requested) is not { } userId)
        {
            return Forbidden();
        }
        return TypedResults.Ok(await s.Store.GetAsync(userId, s.Cancellation));
    }

    public static async Task<Results<Ok<BillingDetailsView>, JsonHttpResult<ApiError>>> Put([AsParameters] BillingDetailsServices s)
    {
        var input = await BillingDetailsInput.ReadAsync(s.Request, s.Cancellation);
        if (input.Error is { } error)
        {
            return error;
        }
        if (Actor.For(s.User, input.UserId) is not { } userId)
        {
            return Forbidden();
        }
        return await s.Store.PutAsync(userId, input, s.Clock.UtcNow, s.Cancellation) is { } stored
            ? TypedResults.Ok(stored)
            : Fail.With(404, "No user with that id", ErrorCodes.UserNotFound);
    }

    private static JsonHttpResult<ApiError> Forbidden() =>
        Fail.With(403, "Only an admin may act for another user", ErrorCodes.Forbidden);
}
