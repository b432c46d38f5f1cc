using BillingCycle.Api.Infrastructure.Auth;
using BillingCycle.Api.Infrastructure.Http;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace BillingCycle.Api.ManualPayments;

public static class ManualPaymentsApi
{
    /// <summary>Payments received outside iPaymu, recorded by an operator (contract §13.1).</summary>
    public static IHostApplicationBuilder AddManualPayments(this IHostApplicationBuilder builder)
    {
        builder.Services.TryAddSingleton<IdempotencyFilter>();
        builder.Services.AddSingleton<Console.Seams.IManualPaymentActions, ConsoleManualPayments>();
        return builder;
    }

    public static IEndpointRouteBuilder MapManualPaymentsApi(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/api/admin/invoices").WithTags("Admin").RequireAuthorization()
            .AddEndpointFilter<AdminOnlyFilter>().AddEndpointFilter<IdempotencyFilter>().DocumentsIdempotencyKey();
        admin.MapPost("/{id}/payments", ManualPaymentHandlers.Record).WithName("recordManualPayment")
            .WithSummary("Settle an open invoice with a payment received outside iPaymu (bank transfer, cash), as a confirmed iPaymu payment is settled.")
            .DocumentsJsonBody<ManualPaymentDoc>()
            .ProducesErrors(400, 401, 403, 404, 409, 413, 415);
        return app;
    }
}

/// <summary>The body, for the OpenAPI document.</summary>
public sealed record ManualPaymentDoc(string Method, string Reference, long Amount, DateTimeOffset? PaidAt, string Note);
