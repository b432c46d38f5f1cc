namespace BillingCycle.Api.Payments;

public static class PaymentsApi
{
    public static IHostApplicationBuilder AddPayments(this IHostApplicationBuilder builder) => builder;

    public static IEndpointRouteBuilder MapPaymentsApi(this IEndpointRouteBuilder app) => app;
}
