using BillingCycle.Api.Infrastructure.Http;
using BillingCycle.Api.InvoicePdf;

namespace BillingCycle.Api.PayPage;

public static class PayPageApi
{
    /// <summary>The public pay page of every invoice and its PDF (SPEC §7.6, §7.7); the seller's details.</summary>
    public static IHostApplicationBuilder AddPayPage(this IHostApplicationBuilder builder)
    {
        builder.Services.AddRazorComponents();
        builder.Services.AddSingleton(SellerDetails.FromConfiguration(builder.Configuration));
        builder.Services.AddSingleton<PayPageStore>();
        builder.Services.AddSingleton<PayPageHeaders>();
        builder.Services.AddSingleton<InvoicePdfRenderer>();
        builder.Services.AddSingleton<InvoicePdfCache>();
        InvoiceFonts.Install(); // the PDF's fonts, from this assembly: a broken build stops start-up here
        return builder;
    }

    public static IEndpointRouteBuilder MapPayPage(this IEndpointRouteBuilder app)
    {
        // Anyone with the link: the token (256 random bits) is the credential; per-address limits (SPEC §10.4).
        var pay = app.MapGroup("/pay").WithTags("Pay page").AllowAnonymous().RequireRateLimiting(RateLimits.PayPages)
            .AddEndpointFilter<PayPageHeaders>().ExcludeFromDescription();
        pay.MapGet("/{token}", PayPageHandlers.Show);
        pay.MapPost("/{token}", PayPageHandlers.Pay).DisableAntiforgery();
        pay.MapGet("/{token}/invoice.pdf", InvoicePdfHandlers.ByToken);
        return app;
    }
}
