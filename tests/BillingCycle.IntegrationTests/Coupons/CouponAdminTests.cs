using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using BillingCycle.IntegrationTests.Subscriptions;
using Npgsql;

namespace BillingCycle.IntegrationTests.Coupons;

/// <summary>contract §11.3: admins create, list and deactivate coupons; every bad field is a 400 with its code.</summary>
public sealed class CouponAdminTests : IAsyncLifetime
{
    private CouponWorld _c = null!;

    public async Task InitializeAsync() => _c = await CouponWorld.StartAsync();

    public async Task DisposeAsync() => await _c.DisposeAsync();

    public static TheoryData<string, string> BadBodies => new()
    {
        { """{"code":"BOTH","name":"n","percent_off":10,"amount_off":1000,"duration":"once"}""", "INVALID_DISCOUNT" },
        { """{"code":"NEITHER","name":"n","duration":"once"}""", "INVALID_DISCOUNT" },
        { """{"code":"ZERO","name":"n","percent_off":0,"duration":"once"}""", "INVALID_PERCENT_OFF" },
        { """{"code":"OVER","name":"n","percent_off":101,"duration":"once"}""", "INVALID_PERCENT_OFF" },
        { """{"code":"HALF","name":"n","percent_off":12.5,"duration":"once"}""", "INVALID_PERCENT_OFF" },
        { """{"code":"NOTHING","name":"n","amount_off":0,"duration":"once"}""", "INVALID_AMOUNT_OFF" },
        { """{"code":"NEG","name":"n","amount_off":-5000,"duration":"once"}""", "INVALID_AMOUNT_OFF" },
        { """{"code":"REP","name":"n","percent_off":10,"duration":"repeating"}""", "INVALID_DURATION" },
        { """{"code":"WHEN","name":"n","percent_off":10,"duration":"sometimes"}""", "INVALID_DURATION" },
        { """{"code":"PAST","name":"n","percent_off":10,"duration":"once","redeem_by":"2020-01-01T00:00:00Z"}""", "INVALID_REDEEM_BY" },
        { $$"""{"code":"{{new string('A', 200)}}","name":"n","percent_off":10,"duration":"once"}""", "INVALID_COUPON_CODE" },
        { """{"code":"AB\u0001C","name":"n","percent_off":10,"duration":"once"}""", "INVALID_COUPON_CODE" },
        { """{"code":"AB\nC","name":"n","percent_off":10,"duration":"once"}""", "INVALID_COUPON_CODE" },
        { """{"code":"PLANS","name":"n","percent_off":10,"duration":"once","plan_ids":["nope"]}""", "INVALID_PLAN" },
    };

    [Theory]
    [MemberData(nameof(BadBodies))]
    public async Task A_bad_coupon_is_refused_with_its_code_and_nothing_is_created(string body, string code)
    {
        var res = await _c.Admin().PostAsync("/api/admin/coupons", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, res.StatusCode);
        Assert.Equal(code, await CouponWorld.CodeAsync(res));
        Assert.Equal(0, await _c.W.H.Db.ScalarAsync<long>("SELECT count(*) FROM coupons"));
    }

    [Fact]
    public async Task A_coupon_is_created_listed_with_its_redemptions_and_deactivated_and_its_code_is_unique_without_regard_to_case()
    {
        var res = await _c.CreateAsync(new { code = "Launch50", name = "Launch", percent_off = 50, duration = "repeating", duration_in_periods = 3, max_redemptions = 10 });
        Assert.Equal(HttpStatusCode.Created, res.StatusCode);
        var id = (await LifecycleWorld.JsonAsync(res)).GetProperty("id").GetGuid();

        var taken = await _c.CreateAsync(new { code = "LAUNCH50", name = "Again", amount_off = 1000, duration = "once" });
        Assert.Equal(HttpStatusCode.Conflict, taken.StatusCode);
        Assert.Equal("COUPON_CODE_TAKEN", await CouponWorld.CodeAsync(taken));

        await _c.SubscribeAsync("u_list", _c.W.Pro, "launch50");
        var list = (await _c.Admin().GetFromJsonAsync<JsonElement>("/api/admin/coupons")).GetProperty("coupons");
        Assert.Equal(1, list.GetArrayLength());
        Assert.Equal(1, list[0].GetProperty("times_redeemed").GetInt32());
        Assert.Equal(3, list[0].GetProperty("duration_in_periods").GetInt32());

        var off = await _c.Admin().PostAsync($"/api/admin/coupons/{id}/deactivate", null);
        Assert.Equal(HttpStatusCode.OK, off.StatusCode);
        Assert.False((await LifecycleWorld.JsonAsync(off)).GetProperty("is_active").GetBoolean());
        Assert.Equal("COUPON_NOT_FOUND", (await _c.CheckoutAsync("u_late", _c.W.Pro, "LAUNCH50")).Body.GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await _c.Admin().PostAsync($"/api/admin/coupons/{Guid.NewGuid()}/deactivate", null)).StatusCode);
    }

    [Fact]
    public async Task Only_an_admin_manages_coupons()
    {
        var res = await _c.W.As("u_customer").PostAsJsonAsync("/api/admin/coupons", new { code = "X", name = "X", percent_off = 5, duration = "once" });

        Assert.Equal(HttpStatusCode.Forbidden, res.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await _c.W.As("u_customer").GetAsync("/api/admin/coupons")).StatusCode);
    }

    [Fact]
    public async Task The_database_refuses_a_coupon_with_both_or_neither_discount_or_repeating_without_periods()
    {
        foreach (var values in new[] { "10, 1000, 'once', NULL", "NULL, NULL, 'once', NULL", "10, NULL, 'repeating', NULL", "10, NULL, 'once', 2" })
        {
            var ex = await Assert.ThrowsAsync<PostgresException>(() => _c.W.H.Db.ExecAsync(
                $"INSERT INTO coupons (code, name, percent_off, amount_off, duration, duration_in_periods) VALUES ('C' || gen_random_uuid(), 'n', {values})"));
            Assert.Equal(PostgresErrorCodes.CheckViolation, ex.SqlState);
        }
    }
}
