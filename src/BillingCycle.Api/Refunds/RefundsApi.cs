using BillingCycle.Api.Infrastructure.Auth;
using BillingCycle.Api.Infrastructure.Http;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace BillingCycle.Api.Refunds;

public static class RefundsApi
{
    /// <summary>Refunds and credit notes (contract §13.2).</summary>
    public static IHostApplicationBuilder AddRefunds(this IHostApplicationBuilder builder)
    {
        builder.Services.TryAddSingleton<IdempotencyFilter>();
        builder.Services.AddSingleton<RefundStore>();
        builder.Services.AddSingleton<CreditNotePdfRenderer>();
        builder.Services.AddSingleton<Console.Seams.IRefundActions, ConsoleRefunds>();
        // The tax page's credit notes (Tax answers "not recorded here" until a feature says otherwise).
        builder.Services.Replace(ServiceDescriptor.Singleton<Tax.ITaxCreditNotes, RefundTaxCreditNotes>());
        return builder;
    }

    public static IEndpointRouteBuilder MapRefundsApi(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/api/admin/invoices").WithTags("Admin").RequireAuthorization()
            .AddEndpointFilter<AdminOnlyFilter>().AddEndpointFilter<IdempotencyFilter>().DocumentsIdempotencyKey();
        admin.MapPost("/{id}/refunds", RefundHandlers.Refund).WithName("refundInvoice")
            .WithSummary("Record money returned for a paid invoice: a credit note, optionally credits revoked and the subscription canceled.")
            .DocumentsJsonBody<RefundDoc>()
            .ProducesErrors(400, 401, 403, 404, 409, 413, 415);

        // The credit note's PDF, public like the invoice's: the pay page's token is the key.
        app.MapGet("/pay/{token}/credit-notes/{file}", CreditNotePdfHandlers.ByToken).WithName("getCreditNotePdf")
            .WithTags("Pay page").AllowAnonymous().ExcludeFromDescription();
        return app;
    }
}

/// <summary>The body, for the OpenAPI document.</summary>
public sealed record RefundDoc(long Amount, string Reason, bool? RevokeCredits, bool? CancelSubscription);
