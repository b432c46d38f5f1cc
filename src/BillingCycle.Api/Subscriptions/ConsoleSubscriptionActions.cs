using System.Globalization;
using BillingCycle.Api.Console.Seams;
using BillingCycle.Api.Infrastructure.Time;
using Npgsql;

namespace BillingCycle.Api.Subscriptions;

/// <summary>
/// The operator console's customer actions (contract §9.2), through the API's own code: cancel at
/// period end is <see cref="LifecycleStore.CancelAsync"/> as <c>POST /api/subscriptions/current/cancel</c>
/// uses it, a fresh pay link is the one pay-now rule (<see cref="PayNow"/>) plus the customer's
/// "payment due" notice (a pay-now link is normally handed to the customer who asked; here the
/// operator asked, so the customer must be told).
/// </summary>
public sealed class ConsoleSubscriptionActions(
    LifecycleStore lifecycle, PayNow payNow, SubscriptionReader reader, NpgsqlDataSource db, BillingClock clock) : ISubscriptionActions
{
    public async Task<ActionOutcome> CancelAtPeriodEndAsync(string userId, OperatorAction action, CancellationToken ct)
    {
        if (await lifecycle.LiveSubscriptionAsync(userId, ct) is not { } subscriptionId)
        {
            return new ActionOutcome(ActionStatus.NotFound, "This customer has no live subscription.", "NO_SUBSCRIPTION");
        }
        return await lifecycle.CancelAsync(subscriptionId, atPeriodEnd: true, ct) switch
        {
            CancelOutcome.NotActive => new ActionOutcome(ActionStatus.Refused,
                "The subscription is not active (a checkout not yet paid, or already canceled).", "SUBSCRIPTION_NOT_ACTIVE"),
            _ => new ActionOutcome(ActionStatus.Done, "The subscription is set to cancel at the end of its period."),
        };
    }

    public async Task<ActionOutcome> SendFreshPayLinkAsync(string userId, Guid invoiceId, OperatorAction action, CancellationToken ct)
    {
        // Another customer's invoice is "not found", as the API answers it.
        if (await reader.InvoiceAsync(invoiceId, userId, ct) is null)
        {
            return new ActionOutcome(ActionStatus.NotFound, "This customer has no such invoice.", "INVOICE_NOT_FOUND");
        }
        var link = await payNow.LinkAsync(invoiceId, ct);
        switch (link.Result)
        {
            case PayLinkResult.NotOpen:
                return new ActionOutcome(ActionStatus.Refused, "The invoice is not open for payment.", "INVOICE_NOT_OPEN");
            case PayLinkResult.TooMany:
                return new ActionOutcome(ActionStatus.Refused, "A new link was made less than a minute ago; try again shortly.", "TOO_MANY_ATTEMPTS");
            case PayLinkResult.GatewayUnavailable:
                return new ActionOutcome(ActionStatus.Unavailable, "iPaymu could not be reached; nothing was sent.", "GATEWAY_UNAVAILABLE");
            case PayLinkResult.Refused:
                return new ActionOutcome(ActionStatus.Refused, $"iPaymu refused the payment: {link.Error}", "PAYMENT_REFUSED");
        }
        await using var cmd = db.CreateCommand("SELECT billing_notify_pay_link($1, $2, $3, $4, $5)");
        cmd.Parameters.Add(new() { Value = invoiceId });
        cmd.Parameters.Add(new() { Value = link.Url! });
        cmd.Parameters.Add(new() { Value = link.ExpiresAt!.Value });
        cmd.Parameters.Add(new() { Value = action.OperatorId });
        cmd.Parameters.Add(new() { Value = clock.UtcNow });
        await cmd.ExecuteScalarAsync(ct);
        return new ActionOutcome(ActionStatus.Done, string.Create(CultureInfo.InvariantCulture,
            $"The customer was sent a pay link (attempt {link.AttemptNumber}, valid until {link.ExpiresAt:yyyy-MM-dd HH:mm} UTC)."), Link: link.Url);
    }
}
