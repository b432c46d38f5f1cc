using System.Text.Json;
using System.Text.Json.Serialization;
using BillingCycle.Api.Infrastructure.Database;
using BillingCycle.Api.Infrastructure.Http;
using BillingCycle.Api.Infrastructure.Observability;
using BillingCycle.Api.Infrastructure.Time;
using Microsoft.AspNetCore.Diagnostics;
using Scalar.AspNetCore;
using Serilog;
using Serilog.Formatting.Compact;

namespace BillingCycle.Api.Infrastructure;

public static class PlatformExtensions
{
    /// <summary>Cross-cutting pieces every feature relies on.</summary>
    public static WebApplicationBuilder AddPlatform(this WebApplicationBuilder builder)
    {
        var development = builder.Environment.IsDevelopment();
        builder.Services.AddSerilog((services, lc) =>
        {
            lc.ReadFrom.Configuration(builder.Configuration)
              .ReadFrom.Services(services)
              .MinimumLevel.Information()
              .MinimumLevel.Override("Microsoft.AspNetCore", Serilog.Events.LogEventLevel.Warning)
              // Off: the host then opens no request scope, whose RequestPath (/pay/{the token}) would
              // be a property of every line logged during a request. AccessLog logs the route instead.
              .MinimumLevel.Override("Microsoft.AspNetCore.Hosting.Diagnostics", Serilog.Events.LevelAlias.Off)
              .MinimumLevel.Override("Microsoft.Extensions.Http", Serilog.Events.LogEventLevel.Warning)
              .MinimumLevel.Override("System.Net.Http", Serilog.Events.LogEventLevel.Warning)
              .MinimumLevel.Override("Polly", Serilog.Events.LogEventLevel.Warning)
              .MinimumLevel.Override("Npgsql", Serilog.Events.LogEventLevel.Warning)
              .Enrich.FromLogContext()
              // Start-up failures an operator can fix are printed as one line by Program; the
              // host's own multi-line report of them would only bury that line.
              .Filter.ByExcluding(e => e.Exception is StartupException
                  or Microsoft.Extensions.Options.OptionsValidationException);
            if (development)
            {
                lc.WriteTo.Console(formatProvider: System.Globalization.CultureInfo.InvariantCulture);
            }
            else
            {
                lc.WriteTo.Console(new RenderedCompactJsonFormatter());
            }
        }, preserveStaticLogger: true); // each host its own logger (several hosts share a test process)

        builder.Services.ConfigureHttpJsonOptions(o => Configure(o.SerializerOptions));
        builder.Services.AddProblemDetails();
        builder.Services.AddOpenApi(o => o.AddDocumentTransformer((doc, _, _) =>
        {
            doc.Info.Title = "BillingCycle API";
            doc.Info.Description = "Monthly billing for IDR plans: credits (Clerk session tokens), the iPaymu callback, cron-triggered renewal and retry jobs, health. Errors are {error, code}.";
            return Task.CompletedTask;
        }).AddBearerSchemes().DescribesIntegersAsNumbers());
        builder.AddClock();
        builder.AddBillingMetrics();
        builder.AddRateLimits();
        return builder;
    }

    /// <summary>
    /// Cache-Control: no-store on every /api answer that sets none: they carry people's invoices,
    /// balances and pay links, which no shared cache or browser history should keep.
    /// </summary>
    private static void UseNoStoreOnApi(this WebApplication app) => app.Use((http, next) =>
    {
        if (http.Request.Path.StartsWithSegments("/api", StringComparison.Ordinal))
        {
            http.Response.OnStarting(() =>
            {
                if (string.IsNullOrEmpty(http.Response.Headers.CacheControl))
                {
                    http.Response.Headers.CacheControl = "no-store";
                }
                return Task.CompletedTask;
            });
        }
        return next(http);
    });

    public static void Configure(JsonSerializerOptions o)
    {
        o.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
        o.DictionaryKeyPolicy = null;
        o.DefaultIgnoreCondition = JsonIgnoreCondition.Never;
        o.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower));
    }

    public static WebApplication UsePlatform(this WebApplication app)
    {
        app.UseKnownProxies(); // first: everything after it sees the client's address
        app.UseAccessLog();    // then: it times and logs everything, the error answers included
        // Any exception that escapes a handler becomes a plain 500 with a code: no stack trace. The
        // database away (stopped, crashed, recovering) is not a bug: 503, try again shortly.
        app.UseExceptionHandler(errorApp => errorApp.Run(async ctx =>
        {
            var feature = ctx.Features.Get<IExceptionHandlerFeature>();
            if (DatabaseOutage.Is(feature?.Error))
            {
                ctx.RequestServices.GetRequiredService<DatabaseOutage>().Met("request", feature!.Error);
            }
            var (status, error) = feature?.Error switch
            {
                var e when DatabaseOutage.Is(e) =>
                    (503, new ApiError("The database is unavailable; please try again shortly", ErrorCodes.ServiceUnavailable)),
                BadHttpRequestException { StatusCode: 413 } =>
                    (413, new ApiError("Request body too large", ErrorCodes.PayloadTooLarge)),
                BadHttpRequestException b when b.InnerException is JsonException =>
                    (400, new ApiError("Malformed JSON body", ErrorCodes.InvalidJson)),
                BadHttpRequestException b => (b.StatusCode, new ApiError("Bad request", ErrorCodes.InvalidRequest)),
                _ => (500, new ApiError("Internal server error", ErrorCodes.InternalError)),
            };
            ctx.Response.StatusCode = status;
            await ctx.Response.WriteAsJsonAsync(error);
        }));
        app.UseStatusCodePages(async ctx =>
        {
            var res = ctx.HttpContext.Response;
            if (res.HasStarted || res.ContentLength > 0 || res.ContentType is not null)
            {
                return;
            }
            var error = res.StatusCode switch
            {
                404 => new ApiError("Not found", ErrorCodes.NotFound),
                405 => new ApiError("Method not allowed", ErrorCodes.InvalidRequest),
                415 => new ApiError("Unsupported content type", ErrorCodes.UnsupportedMediaType),
                413 => new ApiError("Request body too large", ErrorCodes.PayloadTooLarge),
                _ => new ApiError("Request failed", ErrorCodes.InvalidRequest),
            };
            await res.WriteAsJsonAsync(error);
        });
        app.UseNoStoreOnApi();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
        app.UseAntiforgery(); // the server-rendered pages need it (their forms carry tokens where they act for a signed-in user)
        app.MapOpenApi();
        app.MapScalarApiReference("/docs", o => o.WithTitle("BillingCycle API")
            .AddPreferredSecuritySchemes([OpenApiDocs.ClerkScheme]));
        app.MapPrometheusScrapingEndpoint("/metrics");
        return app;
    }
}
