using BillingCycle.Api.Infrastructure.Http;

namespace BillingCycle.Api.PayPage;

public static class PayPageApi
{
    /// <summary>The public pay page of every invoice (contract §7.6). Its PDF is InvoicePdf's (AddInvoicePdf).</summary>
    public static IHostApplicationBuilder AddPayPage(this IHostApplicationBuilder builder)
    {
        builder.Services.AddRazorComponents();
        builder.Services.AddSingleton<PayPageHeaders>();
        return builder;
    }

    public static IEndpointRouteBuilder MapPayPage(this IEndpointRouteBuilder app)
    {
        // Anyone with the link: the token (256 random bits) is the credential; per-address limits (contract §10.4).
        var pay = app.MapGroup("/pay").WithTags("Pay page").AllowAnonymous().RequireRateLimiting(RateLimits.PayPages)
            .AddEndpointFilter<PayPageHeaders>().ExcludeFromDescription();
        pay.MapGet("/{token}", PayPageHandlers.Show);
        pay.MapPost("/{token}", PayPageHandlers.Pay).DisableAntiforgery();
        return app;
    }
}
