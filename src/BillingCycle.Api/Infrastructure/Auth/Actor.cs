using System.Security.Claims;
using BillingCycle.Api.Infrastructure.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BillingCycle.Api.Infrastructure.Auth;

/// <summary>
/// Whose data a request acts on (contract §7): the caller's own; an admin (contract §10.1) may name
/// another user with user_id. Anyone else naming another user is refused.
/// </summary>
public static class Actor
{
    /// <returns>The user id to act for, or null when the caller may not act for the one named.</returns>
    public static string? For(ClaimsPrincipal user, string? requested)
    {
        var self = user.UserId();
        if (string.IsNullOrEmpty(requested) || requested == self)
        {
            return self;
        }
        return user.IsBillingAdmin() ? requested : null;
    }

    /// <summary>The answer when <see cref="For"/> refuses: one wording for every API that acts for a user.</summary>
    public static JsonHttpResult<ApiError> Refused() =>
        Fail.With(403, "Only an admin may act for another user", ErrorCodes.Forbidden);
}
