using System.Text;

namespace BillingCycle.IPaymu.StandIn;

/// <summary>The ways the stand-in can misbehave, for resilience tests and fault scenarios.</summary>
internal static class Faults
{
    /// <summary>Writes the fault's answer; true when the request was consumed by the fault.</summary>
    public static async Task<bool> ApplyAsync(HttpContext http, string mode)
    {
        var res = http.Response;
        switch (mode)
        {
            case "none":
                return false;
            case "http500":
                res.StatusCode = 500;
                res.ContentType = "application/json";
                await res.WriteAsync("""{"Status":500,"Message":"Internal Server Error"}""");
                return true;
            case "http502":
                res.StatusCode = 502;
                await res.WriteAsync("<html>Bad Gateway</html>");
                return true;
            case "reset":
                http.Abort();
                return true;
            case "garbage":
                res.StatusCode = 200;
                res.ContentType = "text/html";
                await res.WriteAsync("<html><body>maintenance</body></html>");
                return true;
            case "truncated":
                res.StatusCode = 200;
                res.ContentType = "application/json";
                res.ContentLength = 200;
                await res.WriteAsync("""{"Status":200,"Data":{"Sess""");
                await res.Body.FlushAsync();
                http.Abort();
                return true;
            case "slow_drip":
                res.StatusCode = 200;
                res.ContentType = "application/json";
                var bytes = Encoding.UTF8.GetBytes("""{"Status":200,"Success":true,"Message":"success","Data":{}}""");
                foreach (var b in bytes)
                {
                    await res.Body.WriteAsync(new[] { b }, http.RequestAborted);
                    await res.Body.FlushAsync(http.RequestAborted);
                    await Task.Delay(1000, http.RequestAborted);
                }
                return true;
            case "timeout":
                await Task.Delay(TimeSpan.FromMinutes(5), http.RequestAborted);
                return true;
            case "rejected":
                res.StatusCode = 400;
                res.ContentType = "application/json";
                await res.WriteAsync("""{"Status":400,"Success":false,"Message":"Total price min Rp 5000 and max Rp 999999999"}""");
                return true;
            case "unauthorized":
                res.StatusCode = 401;
                res.ContentType = "application/json";
                await res.WriteAsync("""{"Status":401,"Message":"unauthorized"}""");
                return true;
            default:
                return false;
        }
    }
}
