using System.Text.Json;
using BillingCycle.IPaymu;
using BillingCycle.IPaymu.Models;
using BillingCycle.IPaymu.Signing;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;
using WireMock.Settings;

namespace BillingCycle.UnitTests.IPaymu;

public sealed class ClientWireMockTests : IDisposable
{
    private const string Va = "1179000899";
    private const string Key = "QbGcoO0Qds9sQFDmY0MWg1Tq.xtuh1";
    private readonly WireMockServer _server = WireMockServer.Start(new WireMockServerSettings { Urls = ["http://127.0.0.1:0"] });

    public void Dispose() => _server.Stop();

    private IPaymuClient Client(Action<IPaymuOptions>? tweak = null) => ClientFactory.Create(new Uri(_server.Url!), tweak).Client;

    private static RedirectPaymentRequest Payment() => new()
    {
        Product = ["Pro Subscription Renewal"], Qty = [1], Price = [149_000], Description = ["Nov 2026"],
        ReturnUrl = "https://app.test/billing?payment=success", NotifyUrl = "https://api.test/api/billing/webhook",
        CancelUrl = "https://app.test/billing?payment=cancelled", ReferenceId = "INV-202611-000001-1",
        BuyerName = "Putu O'Neil", BuyerEmail = "putu@mail.test", BuyerPhone = "+628123456789", Expired = 24,
    };

    private void Answer(string path, int status, string body, TimeSpan? delay = null)
    {
        var response = Response.Create().WithStatusCode(status).WithBody(body).WithHeader("Content-Type", "application/json");
        if (delay is { } d)
        {
            response = response.WithDelay(d);
        }
        _server.Given(Request.Create().WithPath(path).UsingAnyMethod()).RespondWith(response);
    }

    private int Calls(string path) => _server.LogEntries.Count(e => e.RequestMessage.Path == path);

    [Fact]
    public async Task Redirect_payment_sends_signed_headers_and_the_exact_body_iPaymu_expects()
    {
        Answer("/api/v2/payment", 200, """{"Status":200,"Success":true,"Message":"success","Data":{"SessionId":"abc-1","Url":"https://pay.test/abc-1"}}""");

        // This test checks the body, not time-outs: a cold first request on 2 busy cores may take over 2 s.
        var result = await Client(o => { o.AttemptTimeout = TimeSpan.FromSeconds(20); o.TotalTimeout = TimeSpan.FromSeconds(40); })
            .CreateRedirectPaymentAsync(Payment());

        Assert.Equal("abc-1", result.SessionId);
        Assert.Equal("https://pay.test/abc-1", result.Url);
        var req = Assert.Single(_server.LogEntries).RequestMessage;
        var body = req.Body!;
        Assert.Equal(Va, req.Headers!["va"].Single());
        Assert.Equal(RequestSigner.Sign("POST", Va, body, Key), req.Headers["signature"].Single());
        Assert.Matches("^[0-9]{14}$", req.Headers["timestamp"].Single());
        Assert.StartsWith("application/json", req.Headers["Content-Type"].Single(), StringComparison.Ordinal);
        Assert.Contains("\"buyerPhone\":\"+628123456789\"", body, StringComparison.Ordinal);
        Assert.Contains("\"buyerName\":\"Putu O'Neil\"", body, StringComparison.Ordinal);
        Assert.Contains("\"price\":[149000]", body, StringComparison.Ordinal);
        Assert.Contains("\"referenceId\":\"INV-202611-000001-1\"", body, StringComparison.Ordinal);
        Assert.Contains("\"notifyUrl\":\"https://api.test/api/billing/webhook\"", body, StringComparison.Ordinal);
        Assert.Contains("\"expired\":24", body, StringComparison.Ordinal);
        Assert.DoesNotContain("\\u", body, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(401, """{"Status":401,"Message":"unauthorized"}""", "unauthorized")]
    [InlineData(400, """{"Status":400,"Success":false,"Message":"Total price min Rp 5000 and max Rp 999999999"}""", "Total price min Rp 5000 and max Rp 999999999")]
    [InlineData(200, """{"Status":400,"Message":"error - invalid request","Error":{"buyerEmail":"required"}}""", "error - invalid request")]
    public async Task Refusals_become_rejected_errors_with_iPaymus_message(int http, string body, string message)
    {
        Answer("/api/v2/payment", http, body);
        var ex = await Assert.ThrowsAsync<IPaymuRejectedException>(() => Client().CreateRedirectPaymentAsync(Payment()));
        Assert.Equal(message, ex.GatewayMessage);
        Assert.True(ex.Status >= 400);
    }

    [Fact]
    public async Task A_delay_past_the_attempt_timeout_is_unavailable()
    {
        Answer("/api/v2/payment", 200, """{"Status":200,"Data":{"SessionID":"x","Url":"y"}}""", TimeSpan.FromSeconds(6));
        var ex = await Assert.ThrowsAsync<IPaymuUnavailableException>(() => Client().CreateRedirectPaymentAsync(Payment()));
        Assert.Equal("timed out", ex.Reason);
    }

    [Fact]
    public async Task A_500_is_unavailable_and_payment_creation_is_never_retried()
    {
        Answer("/api/v2/payment", 500, """{"Status":500,"Message":"oops"}""");
        await Assert.ThrowsAsync<IPaymuUnavailableException>(() => Client().CreateRedirectPaymentAsync(Payment()));
        Assert.Equal(1, Calls("/api/v2/payment"));
    }

    [Fact]
    public async Task Check_transaction_is_retried_on_a_500_and_succeeds_when_the_gateway_recovers()
    {
        _server.Given(Request.Create().WithPath("/api/v2/transaction").UsingPost()).InScenario("flaky").WillSetStateTo("once")
            .RespondWith(Response.Create().WithStatusCode(500));
        _server.Given(Request.Create().WithPath("/api/v2/transaction").UsingPost()).InScenario("flaky").WhenStateIs("once")
            .RespondWith(Response.Create().WithStatusCode(200).WithBody(
                """{"Status":200,"Data":{"TransactionId":"4719","ReferenceId":"R1","Amount":"149000","Status":"1","PaidStatus":"paid","SuccessDate":"2026-11-25 17:00:00","ExpiredDate":null}}"""));

        var status = await Client().CheckTransactionAsync("4719");

        Assert.Equal(2, Calls("/api/v2/transaction"));
        Assert.True(status.IsPaid);
        Assert.Equal(149_000, status.Amount);
        Assert.Equal(new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.Zero), status.SuccessDate);
        Assert.Null(status.ExpiredDate);
    }

    [Fact]
    public async Task Check_transaction_gives_up_after_its_retries()
    {
        Answer("/api/v2/transaction", 503, "");
        await Assert.ThrowsAsync<IPaymuUnavailableException>(() => Client().CheckTransactionAsync("1"));
        Assert.Equal(3, Calls("/api/v2/transaction"));
    }

    [Fact]
    public async Task A_dropped_connection_is_unavailable()
    {
        _server.Given(Request.Create().WithPath("/api/v2/payment")).RespondWith(Response.Create().WithFault(WireMock.ResponseBuilders.FaultType.EMPTY_RESPONSE));
        await Assert.ThrowsAsync<IPaymuUnavailableException>(() => Client().CreateRedirectPaymentAsync(Payment()));
    }

    [Theory]
    [InlineData("<html>maintenance</html>")]
    [InlineData("""{"Status":200,"Data":{"Sess""")]
    public async Task Non_json_or_truncated_success_answers_are_unavailable(string body)
    {
        Answer("/api/v2/payment", 200, body);
        var ex = await Assert.ThrowsAsync<IPaymuUnavailableException>(() => Client().CreateRedirectPaymentAsync(Payment()));
        Assert.Equal("answer is not JSON", ex.Reason);
    }

    [Fact]
    public async Task The_breaker_opens_after_failures_and_closes_after_its_break()
    {
        Answer("/api/v2/balance", 500, "");
        var client = Client(o =>
        {
            o.MaxRetries = 0;
            o.BreakerMinimumThroughput = 4;
            o.BreakerFailureRatio = 0.5;
            o.BreakerSamplingDuration = TimeSpan.FromSeconds(5);
            o.BreakerBreakDuration = TimeSpan.FromMilliseconds(700);
        });
        for (var i = 0; i < 4; i++)
        {
            await Assert.ThrowsAsync<IPaymuUnavailableException>(() => client.GetBalanceAsync());
        }
        var open = await Assert.ThrowsAsync<IPaymuUnavailableException>(() => client.GetBalanceAsync());
        Assert.Equal("circuit open", open.Reason);
        Assert.Equal(4, Calls("/api/v2/balance"));

        _server.Reset();
        Answer("/api/v2/balance", 200, """{"Status":200,"Data":{"Va":"1179000899","MerchantBalance":"1500000","MemberBalance":0}}""");
        await Task.Delay(900);
        var balance = await client.GetBalanceAsync();
        Assert.Equal(1_500_000, balance.MerchantBalance);
        Assert.Equal(0, balance.MemberBalance);
    }

    [Fact]
    public async Task History_is_read_in_both_shapes()
    {
        Answer("/api/v2/history", 200, """{"Status":200,"Data":{"Transaction":[{"TransactionId":11,"ReferenceId":"A","Status":"0","CreatedDate":"-"}],"Pagination":{"total_page":3}}}""");
        var first = await Client().GetHistoryAsync(new HistoryQuery());
        Assert.Equal("11", Assert.Single(first.Items).TransactionId);
        Assert.Null(first.Items[0].CreatedDate);
        Assert.Equal(3, first.TotalPages);

        _server.Reset();
        Answer("/api/v2/history", 200, """{"status":200,"data":{"Results":[{"transactionId":"12","sessionID":"s","referenceId":"B","amount":"5000.00"}]}}""");
        var second = await Client().GetHistoryAsync(new HistoryQuery());
        var item = Assert.Single(second.Items);
        Assert.Equal(("12", "s", 5000L), (item.TransactionId, item.SessionId, item.Amount!.Value));
    }

    [Fact]
    public async Task Payment_channels_use_a_signed_GET_over_an_empty_object()
    {
        Answer("/api/v2/payment-channels", 200, """{"Status":200,"Data":[{"Code":"va"}]}""");
        var channels = await Client().GetPaymentChannelsAsync();
        Assert.Equal(JsonValueKind.Array, channels.ValueKind);
        var req = Assert.Single(_server.LogEntries).RequestMessage;
        Assert.Equal(RequestSigner.Sign("GET", Va, "{}", Key), req.Headers!["signature"].Single());
    }

    [Fact]
    public async Task Without_credentials_calls_fail_as_unavailable_without_touching_the_network()
    {
        var ex = await Assert.ThrowsAsync<IPaymuUnavailableException>(() => Client(o => o.ApiKey = null).GetBalanceAsync());
        Assert.Contains("IPAYMU_VA", ex.Reason, StringComparison.Ordinal);
        Assert.Empty(_server.LogEntries);
    }
}
