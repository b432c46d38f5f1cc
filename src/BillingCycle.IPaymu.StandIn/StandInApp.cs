namespace BillingCycle.IPaymu.StandIn;

/// <summary>
/// A local iPaymu: checks request signatures like iPaymu, keeps sessions and transactions in
/// memory, answers check-transaction and history, and posts signed callbacks when a payment is
/// paid, expired or failed from its page or control API.
/// </summary>
public static class StandInApp
{
    public static WebApplication Build(string[] args, Action<StandInOptions>? configure = null)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddOptions<StandInOptions>().Configure(o =>
        {
            var c = builder.Configuration;
            o.Va = c["STANDIN_VA"] ?? o.Va;
            o.ApiKey = c["STANDIN_API_KEY"] ?? o.ApiKey;
            o.PublicUrl = c["STANDIN_PUBLIC_URL"] ?? o.PublicUrl;
            o.CallbackFormat = c["STANDIN_CALLBACK_FORMAT"] ?? o.CallbackFormat;
            o.HistoryShape = c["STANDIN_HISTORY_SHAPE"] ?? o.HistoryShape;
            o.SignatureForms = c["STANDIN_SIGNATURE_FORMS"] ?? o.SignatureForms;
            o.BillingUrl = c["STANDIN_BILLING_URL"] ?? o.BillingUrl;
            o.BillingCronSecret = c["STANDIN_BILLING_CRON_SECRET"] ?? o.BillingCronSecret;
            configure?.Invoke(o);
        });
        builder.Services.AddSingleton<StandInState>();
        builder.Services.AddSingleton<CallbackSender>();
        builder.Services.AddHttpClient("callbacks", c => c.Timeout = TimeSpan.FromSeconds(30));
        // Generous: a busy machine (tests in parallel) must not turn "slow" into "not reachable".
        builder.Services.AddHttpClient("billing-clock", c => c.Timeout = TimeSpan.FromSeconds(10));
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.PropertyNamingPolicy = null);

        var app = builder.Build();
        app.MapGateway();
        app.MapControl();
        return app;
    }
}
