using BillingCycle.Api.Infrastructure.Database;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace BillingCycle.Api.Health;

public static class HealthApi
{
    public static IHostApplicationBuilder AddHealth(this IHostApplicationBuilder builder) => builder;

    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder app)
    {
        var probes = app.MapGroup("/health").WithTags("Health").AllowAnonymous();
        probes.MapGet("/live", Live).WithName("getLiveness").WithSummary("The process is up.");
        probes.MapGet("/ready", Ready).WithName("getReadiness").WithSummary("The database answers and every migration is applied.")
            .Produces<ProbeAnswer>(StatusCodes.Status503ServiceUnavailable);
        app.MapGet("/api/billing/health", BillingHealth.Get).WithName("getBillingHealth")
            .Produces<BillingHealthAnswer>(StatusCodes.Status503ServiceUnavailable)
            .WithTags("Health").AllowAnonymous()
            .WithSummary("Billing health: database, scheduler, recent billing activity, and each job's last and next run. 503 when the database is unreachable.");
        return app;
    }

    public sealed record ProbeAnswer(string Status, string? Detail = null);

    public static Ok<ProbeAnswer> Live() => TypedResults.Ok(new ProbeAnswer("live"));

    public static async Task<Results<Ok<ProbeAnswer>, JsonHttpResult<ProbeAnswer>>> Ready(
        Migrator migrator, CancellationToken ct)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(TimeSpan.FromSeconds(2));
        try
        {
            return await migrator.IsUpToDateAsync(cts.Token)
                ? TypedResults.Ok(new ProbeAnswer("ready"))
                : TypedResults.Json(new ProbeAnswer("not_ready", "migrations pending"), statusCode: 503);
        }
        catch (Exception ex) when (ex is NpgsqlException or OperationCanceledException or TimeoutException)
        {
            return TypedResults.Json(new ProbeAnswer("not_ready", "database unreachable"), statusCode: 503);
        }
    }
}
