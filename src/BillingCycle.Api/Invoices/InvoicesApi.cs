namespace BillingCycle.Api.Invoices;

public static class InvoicesApi
{
    /// <summary>
    /// The invoice as people are shown it (an invoice with its buyer, its rows, the seller's details,
    /// its words), read by the pay page and the PDF alike; it depends on no other feature.
    /// </summary>
    public static IHostApplicationBuilder AddInvoices(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton(SellerDetails.FromConfiguration(builder.Configuration));
        builder.Services.AddSingleton<PayPageStore>();
        return builder;
    }
}
