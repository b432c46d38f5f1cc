namespace BillingCycle.Api.Console;

/// <summary>The reason (or note) every action form carries: required, trimmed, bounded.</summary>
public static class ActionInput
{
    public const int MaxReason = 500;
    public const int MaxNote = 2000;

    public static string? Clean(string? text, int max) =>
        text?.Trim() is { Length: > 0 } t && t.Length <= max ? t : null;

    public static Microsoft.AspNetCore.Http.HttpResults.RazorComponentResult<Pages.MessagePage> Missing(string what, ConsoleView view, string back) =>
        ConsolePage.Message(400, $"{what} needed",
            $"Every console action records why it was taken. Write a {what.ToLowerInvariant()} (at most {MaxReason} characters) and try again.",
            back, "Back", view);
}

/// <summary>The fixed notices a page shows after an action redirected to it (?done=…): never text from the URL.</summary>
public static class Notices
{
    public static string? For(string? code) => code switch
    {
        "resolved" => "Oddity resolved; its note is in the billing log.",
        "job_finished" => "The run finished; its row is highlighted below.",
        "job_running" => "The run started and is still going; refresh to see it finish.",
        "cancel_scheduled" => "The subscription will be canceled at the end of its period.",
        "pay_link_sent" => "A fresh pay link was sent to the customer.",
        "payment_recorded" => "The payment is recorded and the invoice settled; credits, emails and events followed.",
        "refunded" => "The refund is recorded; its credit note is on the invoice's pay page.",
        "delivery_retried" => "The delivery is queued again.",
        "coupon_created" => "The coupon is created; customers can redeem it now.",
        "coupon_deactivated" => "The coupon is deactivated: no new redemptions; discounts already running keep running.",
        "signed_out" => "Signed out.",
        _ => null,
    };
}
