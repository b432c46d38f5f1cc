using Npgsql;

namespace BillingCycle.Api.Infrastructure.Database;

/// <summary>
/// Warns at start-up when DATABASE_URL points at Supabase's transaction pooler (port 6543).
/// That pooler hands each transaction to whichever server connection is free, so a
/// session-level advisory lock taken on one statement is not held for the next: the jobs'
/// and the migrations' locks (one run of a job at a time, one migrator at a time) stop
/// working without any error. It is a warning, not a refusal: a self-hosted PostgreSQL may
/// legitimately listen on 6543.
/// </summary>
public static partial class TransactionPoolerCheck
{
    public const int SupabaseTransactionPoolerPort = 6543;

    public static bool LooksLikeTransactionPooler(NpgsqlConnectionStringBuilder b) =>
        b.Port == SupabaseTransactionPoolerPort;

    public static IHostApplicationBuilder AddTransactionPoolerCheck(this IHostApplicationBuilder builder, NpgsqlConnectionStringBuilder target)
    {
        if (LooksLikeTransactionPooler(target))
        {
            var where = DatabaseUrl.Describe(target);
            builder.Services.AddHostedService(sp => new Notice(where, sp.GetRequiredService<ILogger<Notice>>()));
        }
        return builder;
    }

    internal sealed class Notice(string target, ILogger<Notice> logger) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            LogPooler(logger, target);
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "DATABASE_URL points at port 6543 ({Target}), Supabase's transaction pooler, which does not keep the session-level advisory locks the jobs and migrations rely on: use the direct connection or the session pooler (port 5432)")]
    private static partial void LogPooler(ILogger logger, string target);
}
