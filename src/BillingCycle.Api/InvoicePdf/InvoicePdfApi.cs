using BillingCycle.Api.Infrastructure.Http;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace BillingCycle.Api.InvoicePdf;

public static class InvoicePdfApi
{
    /// <summary>
    /// The PDF invoice (contract §7.7): its renderer and fonts, and its two routes. It maps them itself so
    /// that the pay page and the invoices API, which link to it, never depend on it.
    /// </summary>
    public static IHostApplicationBuilder AddInvoicePdf(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<InvoicePdfRenderer>();
        builder.Services.AddSingleton<InvoicePdfCache>();
        builder.Services.TryAddSingleton<PayPageHeaders>();
        InvoiceFonts.Install(); // the PDF's fonts, from this assembly: a broken build stops start-up here
        return builder;
    }

    public static IEndpointRouteBuilder MapInvoicePdf(this IEndpointRouteBuilder app)
    {
        // Beside the pay page, with its rules: anyone with the link, the pay pages' per-address
        // bucket and their headers (contract §10.4).
        app.MapGroup("/pay").WithTags("Pay page").AllowAnonymous().RequireRateLimiting(RateLimits.PayPages)
            .AddEndpointFilter<PayPageHeaders>().ExcludeFromDescription()
            .MapGet("/{token}/invoice.pdf", InvoicePdfHandlers.ByToken);

        // Beside the invoices API, with its rules: a Clerk session token, an admin may add user_id.
        app.MapGroup("/api/invoices").WithTags("Invoices").RequireAuthorization()
            .MapGet("/{id}/pdf", InvoicePdfHandlers.ById).WithName("getInvoicePdf").RequireRateLimiting(RateLimits.PerUser)
            .WithSummary("One of the caller's invoices as a PDF (another user's is 404); ?lang=en for English.")
            .ProducesErrors(401, 403, 404, 429);
        return app;
    }
}
