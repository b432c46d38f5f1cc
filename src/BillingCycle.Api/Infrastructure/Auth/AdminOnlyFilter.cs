using BillingCycle.Api.Infrastructure.Http;

namespace BillingCycle.Api.Infrastructure.Auth;

/// <summary>
/// The /api/admin groups: a signed-in caller who is not an admin (contract §10.1) is refused with
/// 403 FORBIDDEN before anything is read or changed. The group's RequireAuthorization answers 401
/// for no token.
/// </summary>
public sealed class AdminOnlyFilter : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next) =>
        context.HttpContext.User.IsBillingAdmin()
            ? await next(context)
            : Fail.With(403, "Only a billing admin may do this", ErrorCodes.Forbidden);
}
