namespace BillingCycle.Api.Portal;

/// <summary>The portal's paths (contract §14).</summary>
public static class PortalRoutes
{
    public const string Root = "/portal";
    public const string Enter = "/portal/enter";
    public const string Plans = "/portal/plans";
    public const string Coupon = "/portal/coupon";
    public const string Invoices = "/portal/invoices";
    public const string Credits = "/portal/credits";
    public const string BillingDetails = "/portal/billing-details";
    public const string Cancel = "/portal/cancel";
    public const string Resume = "/portal/resume";
    public const string SignOut = "/portal/sign-out";
    public const string Stylesheet = "/portal/assets/portal.css";

    /// <summary>A path of this service from a URL it made (PUBLIC_BASE_URL/pay/…): the portal and the pay page are served together.</summary>
    public static string? Local(string? url) =>
        url is not null && Uri.TryCreate(url, UriKind.Absolute, out var u) ? u.PathAndQuery : null;
}
