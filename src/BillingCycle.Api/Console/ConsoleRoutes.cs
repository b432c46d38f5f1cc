namespace BillingCycle.Api.Console;

/// <summary>The console's paths (contract §9.3: operators bookmark them).</summary>
public static class ConsoleRoutes
{
    public const string Root = "/admin";
    public const string SignIn = "/admin/sign-in";
    public const string SignOut = "/admin/sign-out";
    public const string Funnel = "/admin/funnel";
    public const string Oddities = "/admin/oddities";
    public const string Customers = "/admin/customers";
    public const string Jobs = "/admin/jobs";
    public const string Deliveries = "/admin/deliveries";
    public const string Export = "/admin/export";
    public const string Tax = "/admin/tax";
    public const string TaxSerials = "/admin/tax/serials";
    public const string Coupons = "/admin/coupons";
    public const string Stylesheet = "/admin/assets/console.css";

    public static string Customer(string userId) => $"{Customers}/{Uri.EscapeDataString(userId)}";

    public static string FunnelFor(ConsoleMonth month) => $"{Funnel}?month={month}";

    public static string ExportFor(ConsoleMonth month) => $"{Export}?month={month}";

    public static string TaxFor(ConsoleMonth month) => $"{Tax}?month={month}";

    public static string CoretaxFor(ConsoleMonth month) => $"{Tax}/coretax.xml?month={month}";
}
