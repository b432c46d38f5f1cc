using BillingCycle.Api.Billing;
using BillingCycle.Api.Credits;
using BillingCycle.Api.Health;
using BillingCycle.Api.Infrastructure;
using BillingCycle.Api.Infrastructure.Auth;
using BillingCycle.Api.Infrastructure.Database;
using BillingCycle.Api.Infrastructure.LocalIdentity;
using BillingCycle.Api.Payments;
using BillingCycle.Api.Scheduling;

if (args is ["healthcheck", ..])
{
    return await HealthProbeCommand.RunAsync();
}

try
{
    var builder = WebApplication.CreateBuilder(args);
    builder.AddPlatform();          // logging, JSON, errors, clock, OpenAPI, metrics
    builder.AddDatabase();          // one NpgsqlDataSource, migrations at start-up
    builder.AddClerkAuthentication();
    builder.AddLocalIdentityGuard();   // run.sh's development key: Development only
    builder.AddCredits();
    builder.AddBilling();
    builder.AddPayments();
    builder.AddScheduling();
    builder.AddHealth();

    var app = builder.Build();
    if (args.Contains("migrate", StringComparer.Ordinal))
    {
        return await app.RunMigrateCommandAsync();
    }

    app.UsePlatform();
    app.MapHealthApi();
    app.MapCreditsApi();
    app.MapBillingApi();
    app.MapPaymentsApi();
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
