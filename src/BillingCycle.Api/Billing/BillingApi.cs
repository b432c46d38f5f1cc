namespace BillingCycle.Api.Billing;

public static class BillingApi
{
    public static IHostApplicationBuilder AddBilling(this IHostApplicationBuilder builder) => builder;

    public static IEndpointRouteBuilder MapBillingApi(this IEndpointRouteBuilder app) => app;
}
