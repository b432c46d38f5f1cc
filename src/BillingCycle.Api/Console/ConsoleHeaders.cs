namespace BillingCycle.Api.Console;

/// <summary>
/// Headers on every console answer, refusals included: no script at all may run (the console
/// needs none), nothing is framed or cached (pages carry customers' data), no referrer leaks.
/// </summary>
public static class ConsoleHeaders
{
    public const string ContentSecurityPolicy =
        "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    public static void Apply(HttpResponse response)
    {
        var h = response.Headers;
        h.ContentSecurityPolicy = ContentSecurityPolicy;
        h.XContentTypeOptions = "nosniff";
        h.XFrameOptions = "DENY";
        h["Referrer-Policy"] = "no-referrer";
        // Exactly what ASP.NET Core's antiforgery sets on a page that carries a token: with "no-store"
        // alone it overrode both headers and logged a warning on every page with a form.
        h.CacheControl = "no-cache, no-store";
        h.Pragma = "no-cache";
    }
}

/// <summary>Applies <see cref="ConsoleHeaders"/> and, on every POST, ASP.NET Core's antiforgery check (contract §9.1).</summary>
public sealed class ConsoleRequestFilter(Microsoft.AspNetCore.Antiforgery.IAntiforgery antiforgery) : IEndpointFilter
{
    /// <summary>ASP.NET Core's default limit on one form value (FormOptions.ValueLengthLimit).</summary>
    public const long MaxFormBytes = 4 * 1024 * 1024;

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        ConsoleHeaders.Apply(http.Response);
        // A form larger than ASP.NET Core reads (4 MB a value) would fail inside the antiforgery
        // check as an exception: refuse it readably first (a pasted NSFP list is the only large form).
        if (http.Request.ContentLength > MaxFormBytes)
        {
            return ConsolePage.Message(413, "Form too large",
                $"A console form may carry at most {MaxFormBytes / (1024 * 1024)} MB: nothing was done. Send less at a time.",
                ConsoleRoutes.Root, "Back to the console");
        }
        if (!HttpMethods.IsGet(http.Request.Method) && !HttpMethods.IsHead(http.Request.Method)
            && !await antiforgery.IsRequestValidAsync(http))
        {
            return ConsolePage.Message(400, "Form expired",
                "This form's antiforgery token is missing or does not match this browser's: nothing was done. Reload the page and try again.",
                ConsoleRoutes.Root, "Back to the console");
        }
        return await next(context);
    }
}
