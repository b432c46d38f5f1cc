using System.Net;
using BillingCycle.Api.Console.Seams;
using BillingCycle.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace BillingCycle.IntegrationTests.Console;

/// <summary>The seams, wired to recording doubles as issues 15 and 16 will wire them: the console passes the right things through.</summary>
public sealed class ConsoleSeamTests : IAsyncLifetime
{
    private readonly Recording _actions = new();
    private BillingHarness _h = null!;
    private ApiFactory _api = null!;

    public async Task InitializeAsync()
    {
        _h = await BillingHarness.StartAsync();
        _api = _h.SecondInstanceWith(s =>
        {
            s.AddSingleton<ISubscriptionActions>(_actions);
            s.AddSingleton<IDeliveryConsole>(_actions);
        });
    }

    public async Task DisposeAsync()
    {
        await _api.DisposeAsync();
        await _h.DisposeAsync();
    }

    [Fact]
    public async Task Each_seam_gets_the_customer_the_invoice_the_operator_and_the_reason_and_a_done_action_logs_success()
    {
        var (_, user) = await _h.DueSubscriptionAsync();
        using var admin = await ConsoleSession.SignInAsync(_api, _api.Tokens.Admin("user_operator"));
        var token = await admin.FormTokenAsync($"/admin/customers/{user}");
        var invoice = Guid.NewGuid();

        using var cancel = await admin.PostAsync($"/admin/customers/{user}/cancel-at-period-end", token, ("reason", "asked"));
        using var link = await admin.PostAsync($"/admin/customers/{user}/pay-link", token, ("invoice_id", invoice.ToString()), ("reason", "resend"));
        using var retry = await admin.PostAsync($"/admin/deliveries/{invoice}/retry", token, ("reason", "smtp back"));
        var page = (await admin.GetAsync("/admin/deliveries")).Html;

        Assert.Equal(HttpStatusCode.SeeOther, cancel.StatusCode);
        Assert.Equal($"/admin/customers/{user}?done=cancel_scheduled", cancel.Headers.Location!.OriginalString);
        Assert.Equal(HttpStatusCode.SeeOther, link.StatusCode);
        Assert.Equal(HttpStatusCode.SeeOther, retry.StatusCode);
        Assert.Equal([$"cancel {user} user_operator asked", $"pay {user} {invoice} user_operator resend", $"retry {invoice} user_operator smtp back"], _actions.Calls);
        Assert.Equal(3, await _h.Db.ScalarAsync<long>("SELECT count(*) FROM billing_logs WHERE event_type = 'operator_action' AND status = 'success'"));
        Assert.Contains("smtp refused", page, StringComparison.Ordinal);
        Assert.Equal(7, ConsoleSession.Figure((await admin.GetAsync("/admin")).Html, "dead_deliveries"));
    }

    private sealed class Recording : ISubscriptionActions, IDeliveryConsole
    {
        public List<string> Calls { get; } = [];
        public Task<ActionOutcome> CancelAtPeriodEndAsync(string userId, OperatorAction action, CancellationToken ct) =>
            Done($"cancel {userId} {action.OperatorId} {action.Reason}");

        public Task<ActionOutcome> SendFreshPayLinkAsync(string userId, Guid invoiceId, OperatorAction action, CancellationToken ct) =>
            Done($"pay {userId} {invoiceId} {action.OperatorId} {action.Reason}");

        public Task<ActionOutcome> RetryDeadAsync(Guid deliveryId, OperatorAction action, CancellationToken ct) =>
            Done($"retry {deliveryId} {action.OperatorId} {action.Reason}");

        public Task<long> DeadCountAsync(CancellationToken ct) => Task.FromResult(7L);

        public Task<IReadOnlyList<DeliveryRow>> FailingAsync(int limit, CancellationToken ct) =>
            Task.FromResult<IReadOnlyList<DeliveryRow>>([new DeliveryRow(Guid.NewGuid(), "email", "dead", 6, "user_x", "billing_failed", "smtp refused", DateTimeOffset.UtcNow, null, null)]);

        public Task<IReadOnlyList<DeliveryRow>> ForUserAsync(string userId, int limit, CancellationToken ct) =>
            Task.FromResult<IReadOnlyList<DeliveryRow>>([]);

        private Task<ActionOutcome> Done(string call)
        {
            Calls.Add(call);
            return Task.FromResult(new ActionOutcome(ActionStatus.Done, "ok"));
        }
    }
}
