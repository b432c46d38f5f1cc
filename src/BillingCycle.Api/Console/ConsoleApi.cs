using BillingCycle.Api.Console.Data;
using BillingCycle.Api.Console.Handlers;
using BillingCycle.Api.Console.Seams;

namespace BillingCycle.Api.Console;

public static class ConsoleApi
{
    /// <summary>
    /// The operator console (contract §9): server-rendered Razor components, its own Clerk scheme (bearer
    /// or <c>__session</c> cookie, admins only), ASP.NET Core antiforgery, and the stores its pages
    /// read. Customer actions go through <see cref="ISubscriptionActions"/> and the outbox through
    /// <see cref="IDeliveryConsole"/>: the feature that owns the code path registers its
    /// implementation (Subscriptions and Deliveries do, in their Add…()).
    /// </summary>
    public static IHostApplicationBuilder AddConsole(this IHostApplicationBuilder builder)
    {
        builder.Services.AddRazorComponents();
        builder.Services.AddAntiforgery(o =>
        {
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Strict;
            // Secure whenever the request is https. Not "Always": antiforgery then refuses every plain-http
            // request outright, and behind a TLS-terminating proxy without forwarded headers that is all of them.
            // (The __session cookie, the credential, is Secure outside Development regardless; SignInHandlers.)
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        });
        builder.Services.AddConsoleAuth();
        builder.Services.AddSingleton<CohortStore>();
        builder.Services.AddSingleton<OverviewStore>();
        builder.Services.AddSingleton<OddityStore>();
        builder.Services.AddSingleton<CustomerStore>();
        builder.Services.AddSingleton<TimelineStore>();
        builder.Services.AddSingleton<PaidInvoiceStore>();
        builder.Services.AddSingleton<JobHistoryStore>();
        builder.Services.AddSingleton<ExportStore>();
        builder.Services.AddSingleton<OperatorLog>();
        builder.Services.AddSingleton<JobLauncher>();
        builder.Services.AddSingleton<ConsoleRequestFilter>();
        return builder;
    }

    public static IEndpointRouteBuilder MapConsole(this IEndpointRouteBuilder app)
    {
        // The stylesheet and the sign-in page are for everyone (a refused visitor still sees a styled page).
        app.MapGet(ConsoleRoutes.Stylesheet, SignInHandlers.Stylesheet).AllowAnonymous().ExcludeFromDescription();
        var open = Group(app).AllowAnonymous();
        open.MapGet("/sign-in", SignInHandlers.Form);
        open.MapPost("/sign-in", SignInHandlers.SignIn);
        open.MapPost("/sign-out", SignInHandlers.SignOut);

        var admin = Group(app).RequireAuthorization(ConsoleAuth.Policy);
        admin.MapGet("", OverviewHandlers.Show);
        admin.MapGet("/funnel", FunnelHandlers.Show);
        admin.MapGet("/oddities", OddityHandlers.List);
        admin.MapPost("/oddities/{id:guid}/resolve", OddityHandlers.Resolve);
        admin.MapGet("/customers", CustomerHandlers.Search);
        admin.MapGet("/customers/{userId}", CustomerHandlers.Show);
        admin.MapPost("/customers/{userId}/cancel-at-period-end", CustomerHandlers.CancelAtPeriodEnd);
        admin.MapPost("/customers/{userId}/pay-link", CustomerHandlers.SendPayLink);
        admin.MapPost("/customers/{userId}/payments", MoneyHandlers.RecordPayment);
        admin.MapPost("/customers/{userId}/refunds", MoneyHandlers.Refund);
        admin.MapGet("/jobs", ConsoleJobHandlers.List);
        admin.MapPost("/jobs/{job}/run", ConsoleJobHandlers.Run);
        admin.MapGet("/deliveries", DeliveryHandlers.List);
        admin.MapPost("/deliveries/{id:guid}/retry", DeliveryHandlers.Retry);
        admin.MapGet("/export", ExportHandlers.Export);
        admin.MapGet("/tax", TaxHandlers.Show);
        admin.MapGet("/tax/coretax.xml", TaxHandlers.Coretax);
        admin.MapPost("/tax/serials", TaxHandlers.ImportSerials);
        admin.MapGet("/coupons", CouponConsoleHandlers.List);
        admin.MapPost("/coupons", CouponConsoleHandlers.Create);
        admin.MapPost("/coupons/{id:guid}/deactivate", CouponConsoleHandlers.Deactivate);
        return app;
    }

    /// <summary>
    /// Both console groups: HTML, not in the API's OpenAPI document, the console's headers, and
    /// antiforgery on every POST checked by <see cref="ConsoleRequestFilter"/> (which answers a
    /// readable 400 page). The framework's own form-binding check is switched off for these
    /// endpoints only because that filter does the same check, with ASP.NET Core's IAntiforgery.
    /// </summary>
    private static RouteGroupBuilder Group(IEndpointRouteBuilder app) =>
        app.MapGroup(ConsoleRoutes.Root)
            .WithTags("Operator console")
            .ExcludeFromDescription()
            .DisableAntiforgery()
            .AddEndpointFilter<ConsoleRequestFilter>();
}
