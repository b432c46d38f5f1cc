using BillingCycle.Api.Billing;
using BillingCycle.Api.Console;
using BillingCycle.Api.Credits;
using BillingCycle.Api.Deliveries;
using BillingCycle.Api.Health;
using BillingCycle.Api.Housekeeping;
using BillingCycle.Api.Infrastructure;
using BillingCycle.Api.Infrastructure.Alerts;
using BillingCycle.Api.Infrastructure.Auth;
using BillingCycle.Api.Infrastructure.Database;
using BillingCycle.Api.Infrastructure.Gateway;
using BillingCycle.Api.Jobs;
using BillingCycle.Api.ManualPayments;
using BillingCycle.Api.Infrastructure.LocalIdentity;
using BillingCycle.Api.InvoicePdf;
using BillingCycle.Api.Invoices;
using BillingCycle.Api.PayPage;
using BillingCycle.Api.Portal;
using BillingCycle.Api.Refunds;
using BillingCycle.Api.Coupons;
using BillingCycle.Api.Scheduling;
using BillingCycle.Api.Settlement;
using BillingCycle.Api.Tax;
using BillingCycle.Api.Subscriptions;
using BillingCycle.Api.Webhooks;

if (args is ["healthcheck", ..])
{
    return await HealthProbeCommand.RunAsync();
}

try
{
    if (args.Contains("migrate", StringComparer.Ordinal))
    {
        // A migration job needs DATABASE_URL and nothing else: no Clerk, iPaymu or email
        // setting is read, so a deployment's migrate step does not carry the app's secrets.
        var migrate = WebApplication.CreateBuilder(args);
        migrate.AddDatabase();
        // Only the migrator is resolved: the database's other services (the audit log needs the
        // billing clock) are never built, so they are not validated either.
        migrate.Host.UseDefaultServiceProvider(o => o.ValidateOnBuild = false);
        await using var job = migrate.Build();
        return await job.RunMigrateCommandAsync();
    }

    var builder = WebApplication.CreateBuilder(args);
    builder.AddPlatform();          // logging, JSON, errors, clock, OpenAPI, metrics
    builder.AddDatabase();          // one NpgsqlDataSource, migrations at start-up
    builder.AddClerkAuthentication();
    builder.AddAlerts();
    builder.AddGateway();           // every iPaymu setting, the client, the bound on calls
    builder.AddJobs();
    builder.AddSettlement();        // confirm, apply and reconcile payment attempts
    builder.AddLocalIdentityGuard();   // run.sh's development key: Development only
    builder.AddCredits();
    builder.AddBilling();           // renewal and retry jobs, payment links, cron endpoints
    builder.AddSubscriptions();     // checkout, plan changes, cancel/resume, invoices, pay now
    builder.AddInvoices();          // the invoice as people see it: its buyer, rows and seller
    builder.AddPayPage();           // /pay/{token}: the invoice's public page
    builder.AddInvoicePdf();        // the invoice as a PDF, for the pay page and the API
    builder.AddTax();               // PPN, buyers' tax identity, the month's faktur (contract §12)
    builder.AddWebhooks();
    builder.AddDeliveries();        // outbox worker: email, app webhooks, reminders (contract §8)
    builder.AddHousekeeping();      // the every-15-minutes chores
    builder.AddScheduling();
    builder.AddHealth();
    builder.AddConsole();           // the operator console at /admin (contract §9)
    builder.AddManualPayments();    // payments received outside iPaymu (contract §13.1)
    builder.AddRefunds();           // refunds and credit notes (contract §13.2)
    builder.AddPortal();            // the customer portal at /portal (contract §14)
    builder.AddCoupons();           // coupons admins create (contract §11.3)
    builder.AddCreditPacks();       // credit packs bought once (contract §11.4)

    var app = builder.Build();
    app.UsePlatform();
    app.MapHealthApi();
    app.MapCreditsApi();
    app.MapBillingApi();
    app.MapSubscriptionsApi();
    app.MapPayPage();
    app.MapInvoicePdf();
    app.MapTaxApi();
    app.MapWebhooksApi();
    app.MapConsole();
    app.MapDeliveriesApi();
    app.MapManualPaymentsApi();
    app.MapRefundsApi();
    app.MapPortal();
    app.MapCouponsApi();
    app.MapCreditPacksApi();
    await app.RunAsync();
    return 0;
}
catch (Exception ex) when (StartupFailure.Describe(ex) is { } line)
{
    // One line an operator can act on; never a stack trace or a secret.
    await Console.Error.WriteLineAsync($"billing-cycle: cannot start: {line}");
    return 1;
}

/// <summary>The entry point, visible to WebApplicationFactory in the tests.</summary>
public partial class Program;
