using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using BillingCycle.IPaymu.Signing;
using Microsoft.Extensions.Options;

namespace BillingCycle.IPaymu.StandIn;

/// <summary>The iPaymu API v2 endpoints the billing service uses, checked the way iPaymu checks them.</summary>
public static class GatewayEndpoints
{
    public static void MapGateway(this WebApplication app)
    {
        var api = app.MapGroup("/api/v2");
        api.MapPost("/payment", Redirect);
        api.MapPost("/payment/direct", Direct);
        api.MapPost("/transaction", Check);
        api.MapPost("/history", History);
        api.MapPost("/balance", Balance);
        api.MapGet("/payment-channels", Channels);
        api.AddEndpointFilter(async (ctx, next) =>
        {
            var http = ctx.HttpContext;
            var state = http.RequestServices.GetRequiredService<StandInState>();
            var (latency, mode) = state.TakeFault(http.Request.Path.Value ?? "");
            if (latency > 0)
            {
                await Task.Delay(latency, http.RequestAborted);
            }
            if (await Faults.ApplyAsync(http, mode))
            {
                return Results.Empty;
            }
            var body = await new StreamReader(http.Request.Body, Encoding.UTF8).ReadToEndAsync(http.RequestAborted);
            http.Items["body"] = body;
            if (!SignatureValid(http, body, http.RequestServices.GetRequiredService<IOptions<StandInOptions>>().Value))
            {
                return Results.Json(new { Status = 401, Success = false, Message = "unauthorized signature" }, statusCode: 401);
            }
            var accepted = new StandInRequest(http.Request.Path.Value ?? "", body, DateTimeOffset.UtcNow);
            state.Requests.Enqueue(accepted);
            state.OnRequest?.Invoke(accepted);
            return await next(ctx);
        });
    }

    private static bool SignatureValid(HttpContext http, string body, StandInOptions o)
    {
        var va = http.Request.Headers["va"].ToString();
        var signature = http.Request.Headers["signature"].ToString();
        var signedBody = HttpMethods.IsGet(http.Request.Method) && body.Length == 0 ? "{}" : body;
        return va == o.Va && RequestSignature.Valid(http.Request.Method, o.Va, signedBody, o.ApiKey, signature, o.SignatureForms);
    }

    private static JsonObject? Body(HttpContext http)
    {
        try
        {
            return JsonNode.Parse((string)http.Items["body"]!) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static IResult Bad(string message) => Results.Json(new { Status = 400, Success = false, Message = message }, statusCode: 400);

    private static IResult Ok(object data) => Results.Json(new { Status = 200, Success = true, Message = "success", Data = data });

    private static IResult Redirect(HttpContext http, StandInState state, IOptions<StandInOptions> options)
    {
        var b = Body(http);
        if (b is null)
        {
            return Bad("error - invalid request");
        }
        // iPaymu's PHP library sends ["150000"] and ["1"]; this service sends numbers: both are fine.
        var prices = RequestFields.Numbers(b["price"]);
        var qty = b["qty"] is null ? [] : RequestFields.Numbers(b["qty"]);
        if (prices is null || prices.Count == 0 || qty is null)
        {
            return Bad("error - invalid request");
        }
        var total = decimal.Truncate(prices.Select((p, i) => p * (i < qty.Count ? qty[i] : 1)).Sum());
        if (total is < 5_000 or > 999_999_999)
        {
            return Bad("Total price min Rp 5000 and max Rp 999999999");
        }
        var reference = RequestFields.Str(b["referenceId"]);
        var notify = RequestFields.Str(b["notifyUrl"]);
        var buyerName = RequestFields.Str(b["buyerName"]);
        if (string.IsNullOrEmpty(notify) || string.IsNullOrEmpty(buyerName))
        {
            return Bad("error - invalid request");
        }
        var hours = RequestFields.Int(b["expired"]) ?? 24;
        var now = state.Clock.GetUtcNow();
        var p = new StandInPayment
        {
            SessionId = Guid.NewGuid().ToString(),
            ReferenceId = reference ?? "",
            Amount = (long)total,
            NotifyUrl = notify,
            ReturnUrl = RequestFields.Str(b["returnUrl"]),
            BuyerName = buyerName,
            BuyerEmail = RequestFields.Str(b["buyerEmail"]) ?? "",
            BuyerPhone = RequestFields.Str(b["buyerPhone"]) ?? "",
            Product = (b["product"] as JsonArray)?.Select(RequestFields.Str).FirstOrDefault() ?? "",
            CreatedAt = now,
            ExpiresAt = now.AddHours(hours),
            Fee = options.Value.Fee,
        };
        state.BySession[p.SessionId] = p;
        var baseUrl = options.Value.PublicUrl ?? $"{http.Request.Scheme}://{http.Request.Host}";
        return Ok(new { SessionID = p.SessionId, Url = $"{baseUrl}/pay/{p.SessionId}" });
    }

    private static IResult Direct(HttpContext http, StandInState state, IOptions<StandInOptions> options)
    {
        var b = Body(http);
        var amount = RequestFields.WholeNumber(b?["amount"]) ?? 0;
        if (b is null || amount is < 5_000 or > 999_999_999)
        {
            return Bad("Total price min Rp 5000 and max Rp 999999999");
        }
        var hours = RequestFields.Int(b["expired"]) ?? 24;
        var now = state.Clock.GetUtcNow();
        var p = new StandInPayment
        {
            SessionId = Guid.NewGuid().ToString(),
            ReferenceId = RequestFields.Str(b["referenceId"]) ?? "",
            Amount = amount,
            NotifyUrl = RequestFields.Str(b["notifyUrl"]) ?? "",
            BuyerName = RequestFields.Str(b["name"]) ?? "",
            BuyerEmail = RequestFields.Str(b["email"]) ?? "",
            BuyerPhone = RequestFields.Str(b["phone"]) ?? "",
            CreatedAt = now,
            ExpiresAt = now.AddHours(hours),
            Kind = "direct",
            Via = RequestFields.Str(b["paymentMethod"]) ?? "va",
            Channel = RequestFields.Str(b["paymentChannel"]) ?? "bca",
            Fee = options.Value.Fee,
        };
        state.BySession[p.SessionId] = p;
        state.AssignTransaction(p);
        return Ok(new
        {
            SessionId = p.SessionId, TransactionId = long.Parse(p.TransactionId!, CultureInfo.InvariantCulture),
            ReferenceId = p.ReferenceId, Via = p.Via, Channel = p.Channel, PaymentNo = "8808" + p.TransactionId,
            PaymentName = p.BuyerName, Total = p.Amount, Fee = p.Fee, Expired = Wib(p.ExpiresAt),
        });
    }

    private static IResult Check(HttpContext http, StandInState state)
    {
        var b = Body(http);
        var id = RequestFields.Str(b?["transactionId"]);
        if (id is null || !state.ByTransaction.TryGetValue(id, out var p))
        {
            return Bad("Transaction not found");
        }
        return Ok(Describe(p));
    }

    internal static object Describe(StandInPayment p) => new
    {
        TransactionId = long.Parse(p.TransactionId!, CultureInfo.InvariantCulture),
        SessionId = p.SessionId,
        ReferenceId = p.ReferenceId,
        RelatedId = (string?)null,
        Sender = p.BuyerName,
        Amount = p.Amount,
        Fee = p.Fee,
        Status = p.Status,
        StatusDesc = StatusText(p.Status),
        PaidStatus = p.Status is 1 or 6 or 7 ? "paid" : "unpaid",
        Type = 7,
        TypeDesc = "Invoice Payment",
        Notes = (string?)null,
        CreatedDate = Wib(p.CreatedAt),
        ExpiredDate = Wib(p.ExpiresAt),
        SuccessDate = p.PaidAt is { } paid ? Wib(paid) : "-",
        SettlementDate = (string?)null,
        PaymentChannel = p.Channel,
        PaymentCode = p.Via,
    };

    private static IResult History(HttpContext http, StandInState state, IOptions<StandInOptions> options)
    {
        var b = Body(http) ?? [];
        var page = Math.Max(1, RequestFields.Int(b["page"]) ?? 1);
        var limit = Math.Clamp(RequestFields.Int(b["limit"]) ?? 20, 1, 20);
        var all = options.Value.HistoryByDate
            ? state.History(Date(b["startdate"]), Date(b["enddate"]))
            : state.ByTransaction.Values.OrderByDescending(p => p.CreatedAt).ThenByDescending(p => p.TransactionId).ToList();
        var items = all.Skip((page - 1) * limit).Take(limit).Select(Describe).ToList();
        var totalPages = Math.Max(1, (all.Count + limit - 1) / limit);
        return options.Value.HistoryShape == "results"
            ? Ok(new { Results = items })
            : Ok(new { Transaction = items, Pagination = new { total = all.Count, per_page = limit, current_page = page, total_page = totalPages } });
    }

    private static DateOnly? Date(JsonNode? node) =>
        DateOnly.TryParseExact(RequestFields.Str(node), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d) ? d : null;

    private static IResult Balance(IOptions<StandInOptions> options) =>
        Ok(new { Va = options.Value.Va, MerchantBalance = "1500000", MemberBalance = 0 });

    private static IResult Channels() => Ok(new[]
    {
        new { Code = "va", Name = "Virtual Account", Channels = new[] { new { Code = "bca", Name = "BCA", TransactionFee = new { ActualFee = 4000 } } } },
        new { Code = "qris", Name = "QRIS", Channels = new[] { new { Code = "mpm", Name = "QRIS", TransactionFee = new { ActualFee = 0 } } } },
    });

    internal static string StatusText(int status) => status switch
    {
        1 => "Berhasil",
        0 => "Pending",
        -2 => "Expired",
        2 => "Batal",
        5 => "Gagal",
        _ => "Unknown",
    };

    internal static string Wib(DateTimeOffset t) =>
        t.ToOffset(TimeSpan.FromHours(7)).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
}
