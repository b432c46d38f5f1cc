using Npgsql;

namespace BillingCycle.Api.Infrastructure.Database;

public static class DatabaseExtensions
{
    /// <summary>One NpgsqlDataSource for the whole process, and the migrations at start-up.</summary>
    public static IHostApplicationBuilder AddDatabase(this IHostApplicationBuilder builder)
    {
        var raw = builder.Configuration["DATABASE_URL"];
        var csb = DatabaseUrl.Parse(string.IsNullOrWhiteSpace(raw) ? DatabaseUrl.LocalDefault : raw);
        csb.ApplicationName ??= "billing-cycle";
        // Short connect time-out: a probe or a job should learn quickly that the database is away.
        if (csb.Timeout == 15)
        {
            csb.Timeout = 5;
        }
        if (csb.MaxPoolSize == 100)
        {
            csb.MaxPoolSize = 50;
        }

        builder.AddTransactionPoolerCheck(csb);
        var connectionString = csb.ConnectionString;
        builder.Services.AddSingleton(sp =>
        {
            var dsb = new NpgsqlDataSourceBuilder(connectionString);
            dsb.UseLoggerFactory(sp.GetRequiredService<ILoggerFactory>());
            return dsb.Build();
        });
        builder.Services.AddSingleton(new DatabaseTarget(DatabaseUrl.Describe(csb)));
        builder.Services.AddSingleton<Migrator>();
        builder.Services.AddSingleton<DatabaseOutage>();
        builder.Services.AddSingleton<Audit.BillingLog>();
        if (!string.Equals(builder.Configuration["BILLING_MIGRATE_ON_START"], "false", StringComparison.OrdinalIgnoreCase))
        {
            builder.Services.AddHostedService<MigrateOnStart>();
        }
        return builder;
    }
}

/// <summary>Where the database is, without credentials: for logs and error lines.</summary>
public sealed record DatabaseTarget(string Description);
