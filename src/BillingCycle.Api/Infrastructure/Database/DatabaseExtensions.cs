using System.Data.Common;
using Npgsql;

namespace BillingCycle.Api.Infrastructure.Database;

public static class DatabaseExtensions
{
    /// <summary>
    /// Statements run again and again (a callback's settlement, a credit change) are prepared once per
    /// connection, so PostgreSQL stops parsing and planning them on every call; what that saved was
    /// within the measurement's noise (docs/performance.md). Not behind a transaction pooler, where a
    /// prepared statement does not survive a change of server connection (docs/operations.md), nor
    /// when the connection string chose for itself, in whichever form it was written: the parsed
    /// builder holds the setting only if it was given.
    /// </summary>
    internal static void PrepareRepeatedStatements(NpgsqlConnectionStringBuilder csb)
    {
        var given = new DbConnectionStringBuilder { ConnectionString = csb.ConnectionString }
            .ContainsKey("Max Auto Prepare");
        if (!given && !TransactionPoolerCheck.LooksLikeTransactionPooler(csb))
        {
            csb.MaxAutoPrepare = 64;
        }
    }

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

        PrepareRepeatedStatements(csb);

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
