using System.Net.Http.Json;
using BillingCycle.IPaymu;
using BillingCycle.IPaymu.Callbacks;
using BillingCycle.IPaymu.Models;
using BillingCycle.TestSupport;

namespace BillingCycle.UnitTests.IPaymu;

public sealed class StandInTests : IAsyncLifetime
{
    /// <summary>These tests check answers, not time-outs: a cold first request on 2 busy cores may take over 2 s.</summary>
    private static void Patient(BillingCycle.IPaymu.IPaymuOptions o)
    {
        o.AttemptTimeout = TimeSpan.FromSeconds(20);
        o.TotalTimeout = TimeSpan.FromSeconds(40);
    }

    private StandInHost _standIn = null!;

    public async Task InitializeAsync() => _standIn = await StandInHost.StartAsync();

    public async Task DisposeAsync() => await _standIn.DisposeAsync();

    private static RedirectPaymentRequest Payment(string reference) => new()
    {
        Product = ["Pro"], Qty = [1], Price = [149_000], ReturnUrl = "http://app.test/r", NotifyUrl = "http://127.0.0.1:1/webhook",
        CancelUrl = "http://app.test/c", ReferenceId = reference, BuyerName = "Putu", BuyerEmail = "p@test", BuyerPhone = "0812", Expired = 24,
    };

    [Fact]
    public async Task The_stand_in_accepts_what_the_client_sends_and_answers_check_transaction()
    {
        var client = ClientFactory.Create(_standIn.BaseUrl, Patient).Client;
        var created = await client.CreateRedirectPaymentAsync(Payment("REF-1"));
        Assert.StartsWith(_standIn.BaseUrl.ToString().TrimEnd('/') + "/pay/", created.Url, StringComparison.Ordinal);

        var callback = _standIn.Act("REF-1", "pay");
        var status = await client.CheckTransactionAsync(_standIn.ByReference("REF-1")!.TransactionId!);

        Assert.True(status.IsPaid);
        Assert.Equal(("REF-1", 149_000L, created.SessionId), (status.ReferenceId, status.Amount!.Value, status.SessionId));
        var parsed = IPaymuCallback.Parse(callback.Body, callback.ContentType)!;
        Assert.True(CallbackSignature.Verify(parsed, StandInHost.Va, callback.Signature));
        Assert.Equal("berhasil", parsed.Status);

        var history = await client.GetHistoryAsync(new HistoryQuery());
        Assert.Contains(history.Items, i => i.ReferenceId == "REF-1");
        Assert.Equal(1_500_000, (await client.GetBalanceAsync()).MerchantBalance);
    }

    [Fact]
    public async Task A_request_signed_with_another_key_is_refused_with_401()
    {
        var client = ClientFactory.Create(_standIn.BaseUrl, Patient, apiKey: "another-key").Client;
        var ex = await Assert.ThrowsAsync<IPaymuRejectedException>(() => client.CreateRedirectPaymentAsync(Payment("REF-2")));
        Assert.Equal(401, ex.Status);
        Assert.Equal("unauthorized signature", ex.GatewayMessage);
        Assert.Null(_standIn.ByReference("REF-2"));
    }

    [Fact]
    public async Task Amounts_outside_iPaymus_limits_are_rejected()
    {
        var client = ClientFactory.Create(_standIn.BaseUrl, Patient).Client;
        var ex = await Assert.ThrowsAsync<IPaymuRejectedException>(() =>
            client.CreateRedirectPaymentAsync(Payment("REF-3") with { Price = [1_000] }));
        Assert.Contains("min Rp 5000", ex.GatewayMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Injected_faults_reach_the_client_as_unavailable()
    {
        var client = ClientFactory.Create(_standIn.BaseUrl, o => { Patient(o); o.MaxRetries = 0; }).Client;
        foreach (var mode in new[] { "http500", "reset", "garbage", "truncated" })
        {
            await _standIn.SetFaultsAsync(new() { Mode = mode, Remaining = 1 });
            await Assert.ThrowsAsync<IPaymuUnavailableException>(() => client.GetBalanceAsync());
        }
        Assert.Equal(1_500_000, (await client.GetBalanceAsync()).MerchantBalance);
    }

    [Fact]
    public async Task The_control_api_marks_a_payment_and_posts_the_callback()
    {
        var client = ClientFactory.Create(_standIn.BaseUrl, Patient).Client;
        var created = await client.CreateRedirectPaymentAsync(Payment("REF-4"));
        var res = await _standIn.Http.PostAsync(new Uri($"/_standin/payments/{created.SessionId}/expire?deliver=false", UriKind.Relative), null);
        res.EnsureSuccessStatusCode();
        var status = await client.CheckTransactionAsync(_standIn.ByReference("REF-4")!.TransactionId!);
        Assert.True(status.IsFailed);
        Assert.Equal(TransactionState.Expired, status.State);
        var list = await _standIn.Http.GetFromJsonAsync<List<object>>("/_standin/payments");
        Assert.NotEmpty(list!);
    }

    [Fact]
    public async Task With_its_own_clock_the_stand_in_lists_history_between_the_dates_asked_as_iPaymu_does()
    {
        await using var standIn = await StandInHost.StartAsync(o => o.HistoryByDate = true);
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 10, 0, 0, TimeSpan.Zero));
        standIn.State.Clock = clock;
        var client = ClientFactory.Create(standIn.BaseUrl, Patient).Client;
        await client.CreateRedirectPaymentAsync(Payment("REF-MARCH"));
        clock.Advance(TimeSpan.FromDays(60));
        await client.CreateRedirectPaymentAsync(Payment("REF-APRIL"));
        standIn.Act("REF-MARCH", "pay");
        standIn.Act("REF-APRIL", "pay");

        var april = await client.GetHistoryAsync(new HistoryQuery { Startdate = "2026-04-01", Enddate = "2026-05-30" });
        var all = await client.GetHistoryAsync(new HistoryQuery());

        Assert.Equal(["REF-APRIL"], april.Items.Select(i => i.ReferenceId));
        Assert.Equal(["REF-APRIL", "REF-MARCH"], all.Items.Select(i => i.ReferenceId)); // newest first
        Assert.Equal(new DateTimeOffset(2026, 4, 30, 10, 0, 0, TimeSpan.Zero), standIn.ByReference("REF-APRIL")!.CreatedAt);
    }
}
