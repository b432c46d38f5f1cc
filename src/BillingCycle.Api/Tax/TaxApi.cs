using BillingCycle.Api.Infrastructure.Http;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace BillingCycle.Api.Tax;

public static class TaxApi
{
    /// <summary>
    /// Indonesian tax (contract §12): the seller's tax identity (checked at start-up when tax is on),
    /// the buyers' billing details, the month's faktur and the NSFP import the console uses.
    /// </summary>
    public static IHostApplicationBuilder AddTax(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton(SellerTaxIdentity.FromConfiguration(builder.Configuration));
        builder.Services.AddSingleton<BillingDetailsStore>();
        builder.Services.AddSingleton<TaxMonthStore>();
        builder.Services.AddSingleton<SerialImport>();
        // The credit notes feature replaces this with its own (registered before or after: TryAdd).
        builder.Services.TryAddSingleton<ITaxCreditNotes, NoTaxCreditNotes>();
        return builder;
    }

    public static IEndpointRouteBuilder MapTaxApi(this IEndpointRouteBuilder app)
    {
        var details = app.MapGroup("/api/billing-details").WithTags("Billing details").RequireAuthorization();
        details.MapGet("/", BillingDetailsHandlers.Get).WithName("getBillingDetails")
            .WithSummary("The buyer's name, address and tax identity for invoices and faktur (empty when never saved).")
            .ProducesErrors(401, 403);
        details.MapPut("/", BillingDetailsHandlers.Put).WithName("putBillingDetails")
            .WithSummary("Save the buyer's details; tax_id_type npwp (16 digits; 15 are made 16 with a leading 0), nik, passport or null.")
            .DocumentsJsonBody<BillingDetailsBody>()
            .ProducesErrors(400, 401, 403, 404, 413, 415);
        return app;
    }
}
