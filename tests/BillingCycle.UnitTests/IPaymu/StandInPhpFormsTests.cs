using System.Net;
using System.Text;
using System.Text.Json;
using BillingCycle.IPaymu.Models;
using BillingCycle.IPaymu.Signing;
using BillingCycle.TestSupport;

namespace BillingCycle.UnitTests.IPaymu;

/// <summary>The stand-in takes what iPaymu's own PHP library sends and checks signatures as iPaymu most likely does.</summary>
public sealed class StandInPhpFormsTests(StandInPhpFormsTests.Host host) : IClassFixture<StandInPhpFormsTests.Host>
{
    /// <summary>One default stand-in for the class (each test uses its own references).</summary>
    public sealed class Host : IAsyncLifetime
    {
        public StandInHost StandIn { get; private set; } = null!;

        public async Task InitializeAsync() => StandIn = await StandInHost.StartAsync();

        public async Task DisposeAsync() => await StandIn.DisposeAsync();
    }

    private static void Patient(BillingCycle.IPaymu.IPaymuOptions o)
    {
        o.AttemptTimeout = TimeSpan.FromSeconds(20);
        o.TotalTimeout = TimeSpan.FromSeconds(40);
    }

    private static string PhpVector(string name)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Vectors", "php-request-bodies.json")));
        return doc.RootElement.GetProperty("vectors").EnumerateArray()
            .Single(v => v.GetProperty("name").GetString() == name).GetProperty("php_body").GetString()!;
    }

    /// <summary>POSTs <paramref name="sent"/> with a signature computed over <paramref name="signed"/>.</summary>
    private static async Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(StandInHost standIn, string path, string sent, string? signed = null)
    {
        using var req = new HttpRequestMessage(HttpMethod.Post, new Uri(path, UriKind.Relative))
        {
            Content = new StringContent(sent, Encoding.UTF8, "application/json"),
        };
        req.Headers.TryAddWithoutValidation("va", StandInHost.Va);
        req.Headers.TryAddWithoutValidation("signature", RequestSigner.Sign("POST", StandInHost.Va, signed ?? sent, StandInHost.ApiKey));
        req.Headers.TryAddWithoutValidation("timestamp", RequestSigner.Timestamp(DateTimeOffset.UtcNow));
        using var res = await standIn.Http.SendAsync(req);
        return (res.StatusCode, JsonDocument.Parse(await res.Content.ReadAsStringAsync()).RootElement.Clone());
    }

    [Fact]
    public async Task The_PHP_librarys_string_price_and_qty_arrays_are_accepted_like_numbers()
    {
        var standIn = host.StandIn;
        var (status, body) = await PostAsync(standIn, "/api/v2/payment", PhpVector("php-library-string-cart"));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.False(string.IsNullOrEmpty(body.GetProperty("Data").GetProperty("SessionID").GetString()));
        var p = standIn.ByReference("ID1234")!;
        Assert.Equal(150_000, p.Amount);
        Assert.Equal("Putu Ayu", p.BuyerName);

        var numbers = """{"product":["A","B"],"qty":[2,"3"],"price":[5000,"1000.0"],"referenceId":"MIX-1","notifyUrl":"https://x.test/n","buyerName":"B"}""";
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(standIn, "/api/v2/payment", numbers)).Status);
        Assert.Equal(13_000, standIn.ByReference("MIX-1")!.Amount);

        var direct = """{"name":"Putu","phone":"0812","email":"p@x.test","amount":"150000","notifyUrl":"https://x.test/n","referenceId":"DIR-1","paymentMethod":"va","paymentChannel":"bca","expired":"24"}""";
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(standIn, "/api/v2/payment/direct", direct)).Status);
        Assert.Equal(150_000, standIn.ByReference("DIR-1")!.Amount);
    }

    [Theory]
    [InlineData("""{"product":["A"],"qty":[1],"price":["abc"],"notifyUrl":"https://x.test/n","buyerName":"B"}""")]
    [InlineData("""{"product":["A"],"qty":[1],"price":[{"v":1}],"notifyUrl":"https://x.test/n","buyerName":"B"}""")]
    [InlineData("""{"product":["A"],"qty":["x"],"price":[5000],"notifyUrl":"https://x.test/n","buyerName":"B"}""")]
    [InlineData("""{"product":["A"],"qty":[1],"price":"5000","notifyUrl":"https://x.test/n","buyerName":"B"}""")]
    [InlineData("""{"product":["A"],"qty":[1],"price":[5000],"buyerName":"B"}""")]
    public async Task Malformed_carts_are_a_400_with_iPaymus_message_not_a_500(string body)
    {
        var standIn = host.StandIn;
        var (status, answer) = await PostAsync(standIn, "/api/v2/payment", body);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(400, answer.GetProperty("Status").GetInt32());
    }

    [Fact]
    public async Task A_signature_over_PHPs_re_encoding_of_the_body_is_accepted_and_one_over_other_bytes_is_not()
    {
        var standIn = host.StandIn;
        // Sent with raw UTF-8 and an escaped '+', signed over PHP's form of the same data.
        var sent = """{"product":["Caf\u00e9 – latte"],"qty":[1],"price":[150000],"referenceId":"RE-1","notifyUrl":"https://x.test/n","buyerName":"Jos\u00e9","buyerPhone":"\u002B62"}""";
        using (var doc = JsonDocument.Parse(sent))
        {
            var php = PhpJson.Encode(doc.RootElement, PhpJsonFlags.UnescapedSlashes);
            Assert.NotEqual(sent, php);
            Assert.Equal(HttpStatusCode.OK, (await PostAsync(standIn, "/api/v2/payment", sent, signed: php)).Status);
        }
        var (status, answer) = await PostAsync(standIn, "/api/v2/payment", sent, signed: sent.Replace("RE-1", "RE-2", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal("unauthorized signature", answer.GetProperty("Message").GetString());
    }

    [Fact]
    public async Task When_only_PHPs_form_counts_raw_UTF8_bodies_are_refused_and_the_clients_bodies_pass()
    {
        await using var standIn = await StandInHost.StartAsync(o => o.SignatureForms = "php");
        var raw = """{"product":["Café"],"qty":[1],"price":[150000],"referenceId":"RAW-1","notifyUrl":"https://x.test/n","buyerName":"José"}""";
        Assert.Equal(HttpStatusCode.Unauthorized, (await PostAsync(standIn, "/api/v2/payment", raw)).Status);

        var client = ClientFactory.Create(standIn.BaseUrl, Patient).Client;
        var created = await client.CreateRedirectPaymentAsync(new RedirectPaymentRequest
        {
            Product = ["Langganan Pro – Bulanan 🚀"], Qty = [1], Price = [149_000], ReturnUrl = "https://app.test/r", NotifyUrl = "https://api.test/webhook",
            CancelUrl = "https://app.test/c", ReferenceId = "PHP-1", BuyerName = "José Núñez", BuyerEmail = "jose+b@test", BuyerPhone = "+62812", Expired = 24,
        });
        Assert.False(string.IsNullOrEmpty(created.SessionId));
        Assert.Equal("José Núñez", standIn.ByReference("PHP-1")!.BuyerName);
    }
}
