using System.Diagnostics;

namespace BillingCycle.Api.Infrastructure.Observability;

/// <summary>
/// One line per request in the JSON logs, to investigate an incident with: the method, the route
/// template (/pay/{token}, never the path itself, whose token is a credential), the status and
/// the duration. No query string, no header, no body: tokens travel in all three.
/// </summary>
public static partial class AccessLog
{
    public static WebApplication UseAccessLog(this WebApplication app)
    {
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("BillingCycle.Api.AccessLog");
        app.Use(async (http, next) =>
        {
            var started = Stopwatch.GetTimestamp();
            try
            {
                await next(http);
            }
            finally
            {
                var route = (http.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? "(no route)";
                LogRequest(logger, http.Request.Method, route, http.Response.StatusCode,
                    Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        });
        return app;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "HTTP {Method} {Route} responded {StatusCode} in {ElapsedMs:0.0} ms")]
    private static partial void LogRequest(ILogger logger, string method, string route, int statusCode, double elapsedMs);
}
