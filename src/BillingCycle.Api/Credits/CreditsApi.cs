namespace BillingCycle.Api.Credits;

public static class CreditsApi
{
    public static IHostApplicationBuilder AddCredits(this IHostApplicationBuilder builder) => builder;

    public static IEndpointRouteBuilder MapCreditsApi(this IEndpointRouteBuilder app) => app;
}
