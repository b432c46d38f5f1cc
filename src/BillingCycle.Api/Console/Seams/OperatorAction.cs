namespace BillingCycle.Api.Console.Seams;

/// <summary>Who asks for an action from the console, and why (both go to billing_logs, contract §9.1).</summary>
public sealed record OperatorAction(string OperatorId, string Reason);

/// <summary>How an action asked through a seam turned out; the console turns it into a page and a log row.</summary>
public enum ActionStatus
{
    /// <summary>Done; <see cref="ActionOutcome.Message"/> says what changed.</summary>
    Done,

    /// <summary>Nothing to act on (no subscription, no such invoice or delivery): 404.</summary>
    NotFound,

    /// <summary>Refused in the current state (not active, not open, already retried…): 409, with the API's code.</summary>
    Refused,

    /// <summary>An outside service could not be reached now (iPaymu down): 503.</summary>
    Unavailable,
}

/// <param name="Code">The API's error code when refused (e.g. SUBSCRIPTION_NOT_ACTIVE, INVOICE_NOT_OPEN), else null.</param>
/// <param name="Link">A payment link the action produced (send a fresh pay link), else null.</param>
public sealed record ActionOutcome(ActionStatus Status, string Message, string? Code = null, string? Link = null);
