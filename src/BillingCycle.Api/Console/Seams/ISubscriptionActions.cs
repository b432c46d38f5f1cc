namespace BillingCycle.Api.Console.Seams;

/// <summary>
/// The console's customer actions that go through the subscription and invoice API's own code
/// (contract §7.4, §7.6), so an operator acting for a customer does exactly what an admin
/// token acting with <c>user_id</c> would do through the API. No implementation writes SQL of its own
/// for the console. Implemented by Subscriptions/ConsoleSubscriptionActions.
/// The console writes the operator_action billing log around every call (operator, action,
/// reason, outcome); an implementation writes only the logs its API path writes anyway.
/// </summary>
public interface ISubscriptionActions
{
    /// <summary>
    /// <c>POST /api/subscriptions/current/cancel {"at_period_end": true}</c> for <paramref name="userId"/>:
    /// sets <c>cancel_at_period_end</c> on the user's live subscription (renewal then cancels it,
    /// contract §4.3), notification <c>subscription_cancel_scheduled</c>. Done; NotFound
    /// (<c>NO_SUBSCRIPTION</c>); Refused with <c>SUBSCRIPTION_NOT_ACTIVE</c> when it is canceled.
    /// </summary>
    Task<ActionOutcome> CancelAtPeriodEndAsync(string userId, OperatorAction action, CancellationToken ct);

    /// <summary>
    /// The pay-now rule, <c>POST /api/invoices/{invoiceId}/pay</c> for <paramref name="userId"/>
    /// (contract §7.6): the live attempt when it has ≥ 30 minutes left, else a new attempt with a new
    /// iPaymu link, the customer notified with it (<c>billing_payment_due</c>, <c>data.payment_url</c>
    /// and <c>data.invoice_url</c>). Done with <see cref="ActionOutcome.Link"/>; NotFound
    /// (<c>INVOICE_NOT_FOUND</c>, also for another user's invoice); Refused with
    /// <c>INVOICE_NOT_OPEN</c> or <c>TOO_MANY_ATTEMPTS</c>; Unavailable (<c>GATEWAY_UNAVAILABLE</c>).
    /// </summary>
    Task<ActionOutcome> SendFreshPayLinkAsync(string userId, Guid invoiceId, OperatorAction action, CancellationToken ct);
}
