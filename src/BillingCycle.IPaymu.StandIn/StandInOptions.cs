namespace BillingCycle.IPaymu.StandIn;

public sealed class StandInOptions
{
    /// <summary>The merchant VA the stand-in accepts (STANDIN_VA).</summary>
    public string Va { get; set; } = "1179000899";

    /// <summary>The API key it checks signatures with (STANDIN_API_KEY).</summary>
    public string ApiKey { get; set; } = "QbGcoO0Qds9sQFDmY0MWg1Tq.xtuh1";

    /// <summary>Public base URL of the stand-in, for payment page links; from the request when unset.</summary>
    public string? PublicUrl { get; set; }

    /// <summary>form (iPaymu's default) or json.</summary>
    public string CallbackFormat { get; set; } = "form";

    /// <summary>history answer shape: "transaction" (Transaction[] + Pagination) or "results" (Results[]).</summary>
    public string HistoryShape { get; set; } = "transaction";

    /// <summary>
    /// STANDIN_SIGNATURE_FORMS: which bodies a request signature may cover. "either" (default): the
    /// body as sent or as PHP re-encodes it; "php": only PHP's re-encoding (what iPaymu most likely hashes).
    /// </summary>
    public string SignatureForms { get; set; } = "either";

    /// <summary>
    /// Whether history honours startdate/enddate (the transaction's creation date, WIB), as iPaymu
    /// does. Off by default: the stand-in's clock is real time while a caller on a test clock asks
    /// for its own dates, so only a caller that also sets <see cref="StandInState.Clock"/> (the
    /// seeded simulation) turns it on.
    /// </summary>
    public bool HistoryByDate { get; set; }

    /// <summary>
    /// The billing service's base URL (STANDIN_BILLING_URL), so the page can show the service's
    /// clock beside the stand-in's own real time; with STANDIN_BILLING_CRON_SECRET to read it.
    /// </summary>
    public string? BillingUrl { get; set; }

    public string? BillingCronSecret { get; set; }

    /// <summary>Fee the stand-in charges per payment, in rupiah.</summary>
    public long Fee { get; set; } = 4_000;
}
