using BillingCycle.Api.Console.Seams;
using BillingCycle.Api.Infrastructure.Audit;

namespace BillingCycle.Api.Console.Data;

/// <summary>
/// The operator_action row every console action leaves in billing_logs (contract §9.1): who
/// (<c>details.operator_id</c>), what (<c>details.action</c> and its target), why
/// (<c>details.reason</c>), and how it went. <c>user_id</c> is the customer acted on, so the row is
/// on that customer's timeline; actions on no customer (a job run) leave it empty.
/// </summary>
public sealed class OperatorLog(BillingLog log)
{
    public const string EventType = "operator_action";

    public Task WriteAsync(OperatorAction action, string what, string? customerId, Guid? subscriptionId,
        object target, ActionOutcome outcome) =>
        log.WriteAsync(EventType, subscriptionId, customerId, outcome.Status == ActionStatus.Done ? "success" : "failed",
            new
            {
                operator_id = action.OperatorId,
                action = what,
                reason = action.Reason,
                target,
                outcome = outcome.Status.ToString(),
                code = outcome.Code,
            },
            outcome.Status == ActionStatus.Done ? null : outcome.Message);
}
