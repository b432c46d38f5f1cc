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
        return va == o.Va && RequestSigner.HexEquals(RequestSigner.Sign(http.Request.Method, o.Va, signedBody, o.ApiKey), signature);
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
        var prices = b["price"]?.AsArray().Select(p => p!.GetValue<long>()).ToList() ?? [];
        var qty = b["qty"]?.AsArray().Select(q => q!.GetValue<int>()).ToList() ?? [];
        var total = prices.Select((p, i) => p * (i < qty.Count ? qty[i] : 1)).Sum();
        if (total is < 5_000 or > 999_999_999)
        {
            return Bad("Total price min Rp 5000 and max Rp 999999999");
        }
        var reference = b["referenceId"]?.GetValue<string>();
        var notify = b["notifyUrl"]?.GetValue<string>();
        if (string.IsNullOrEmpty(notify) || string.IsNullOrEmpty(b["buyerName"]?.GetValue<string>()))
        {
            return Bad("error - invalid request");
        }
        var hours = b["expired"]?.GetValue<int>() ?? 24;
        var now = DateTimeOffset.UtcNow;
        var p = new StandInPayment
        {
            SessionId = Guid.NewGuid().ToString(),
            ReferenceId = reference ?? "",
            Amount = total,
            NotifyUrl = notify,
            ReturnUrl = b["returnUrl"]?.GetValue<string>(),
            BuyerName = b["buyerName"]?.GetValue<string>() ?? "",
            BuyerEmail = b["buyerEmail"]?.GetValue<string>() ?? "",
            BuyerPhone = b["buyerPhone"]?.GetValue<string>() ?? "",
            Product = b["product"]?.AsArray().FirstOrDefault()?.GetValue<string>() ?? "",
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
        var amount = b?["amount"]?.GetValue<long>() ?? 0;
        if (b is null || amount is < 5_000 or > 999_999_999)
        {
            return Bad("Total price min Rp 5000 and max Rp 999999999");
        }
        var hours = b["expired"]?.GetValue<int>() ?? 24;
        var now = DateTimeOffset.UtcNow;
        var p = new StandInPayment
        {
            SessionId = Guid.NewGuid().ToString(),
            ReferenceId = b["referenceId"]?.GetValue<string>() ?? "",
            Amount = amount,
            NotifyUrl = b["notifyUrl"]?.GetValue<string>() ?? "",
            BuyerName = b["name"]?.GetValue<string>() ?? "",
            BuyerEmail = b["email"]?.GetValue<string>() ?? "",
            BuyerPhone = b["phone"]?.GetValue<string>() ?? "",
            CreatedAt = now,
            ExpiresAt = now.AddHours(hours),
            Kind = "direct",
            Via = b["paymentMethod"]?.GetValue<string>() ?? "va",
            Channel = b["paymentChannel"]?.GetValue<string>() ?? "bca",
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
        var id = b?["transactionId"] switch
        {
            JsonValue v when v.TryGetValue<string>(out var s) => s,
            JsonValue v when v.TryGetValue<long>(out var l) => l.ToString(CultureInfo.InvariantCulture),
            _ => null,
        };
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
        var page = Math.Max(1, b["page"]?.GetValue<int>() ?? 1);
        var limit = Math.Clamp(b["limit"]?.GetValue<int>() ?? 20, 1, 20);
        var all = state.ByTransaction.Values.OrderByDescending(p => p.CreatedAt).ThenByDescending(p => p.TransactionId).ToList();
        var items = all.Skip((page - 1) * limit).Take(limit).Select(Describe).ToList();
        var totalPages = Math.Max(1, (all.Count + limit - 1) / limit);
        return options.Value.HistoryShape == "results"
            ? Ok(new { Results = items })
            : Ok(new { Transaction = items, Pagination = new { total = all.Count, per_page = limit, current_page = page, total_page = totalPages } });
    }

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
