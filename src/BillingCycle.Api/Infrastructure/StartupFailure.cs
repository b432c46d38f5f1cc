using BillingCycle.Api.Infrastructure.Database;
using Microsoft.Extensions.Options;

namespace BillingCycle.Api.Infrastructure;

public static class StartupFailure
{
    /// <summary>The one line to print for a start-up failure an operator can fix, else null.</summary>
    public static string? Describe(Exception ex) => ex switch
    {
        StartupException s => s.Message,
        OptionsValidationException o => string.Join("; ", o.Failures),
        FormatException f when f.Message.Contains("DATABASE_URL", StringComparison.Ordinal) => f.Message,
        AggregateException { InnerExceptions.Count: 1 } a => Describe(a.InnerException!),
        _ => null,
    };

    public static async Task<int> RunMigrateCommandAsync(this WebApplication app)
    {
        var applied = await app.Services.GetRequiredService<Migrator>().MigrateAsync();
        await System.Console.Out.WriteLineAsync(applied.Count == 0
            ? "billing-cycle: database is up to date"
            : $"billing-cycle: applied {applied.Count} migration(s): {string.Join(", ", applied)}");
        return 0;
    }
}
