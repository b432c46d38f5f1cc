using System.Net;
using System.Text;
using System.Text.Json;
using BillingCycle.TestSupport;

namespace BillingCycle.ProcessTests;

/// <summary>
/// An Idempotency-Key's change and its stored answer commit together (Infrastructure/Http/IdempotencyFilter.cs):
/// the API killed between the two leaves neither, so the repeat makes the change once and every
/// later repeat gets that first answer; no key is ever left "in progress".
/// </summary>
public sealed class IdempotencyCrashTests
{
    private const string Body = """{"amount":50,"user_id":"u_idem_crash"}""";

    [Fact]
    public async Task Killed_between_the_credit_change_and_its_answer_the_repeat_changes_once_and_answers_the_same()
    {
        ResilienceReport.Scenario();
        var tokens = new ClerkTokens();
        await using var world = await ProcessWorld.StartAsync();
        var env = new Dictionary<string, string>
        {
            ["CLERK_JWT_KEY"] = tokens.PublicKeyPem,
            ["CLERK_ISSUER"] = ClerkTokens.DefaultIssuer,
            ["CLERK_AUTHORIZED_PARTIES"] = ClerkTokens.DefaultParty,
        };
        var api = await world.StartApiAsync(env);

        // The crash point: writing the answer waits in the database, after the change (same
        // transaction, not committed), long enough for the kill to land there.
        await world.Db.ExecAsync("CREATE TABLE crash_point (armed boolean NOT NULL)");
        await world.Db.ExecAsync("INSERT INTO crash_point VALUES (true)");
        await world.Db.ExecAsync("""
            CREATE FUNCTION crash_point_wait() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF NEW.response IS NOT NULL AND EXISTS (SELECT 1 FROM crash_point WHERE armed) THEN
                    PERFORM pg_sleep(5);
                END IF;
                RETURN NEW;
            END $$
            """);
        await world.Db.ExecAsync(
            "CREATE TRIGGER crash_point_wait BEFORE UPDATE ON idempotency_keys FOR EACH ROW EXECUTE FUNCTION crash_point_wait()");

        var first = Send(api, tokens);
        await WaitForAsync(async () => await world.Db.ScalarAsync<long>(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'PgSleep' AND backend_xid IS NOT NULL") == 1);
        api.KillHard();
        await Assert.ThrowsAnyAsync<Exception>(() => first);
        ResilienceReport.Faults(1);
        await world.Db.ExecAsync("UPDATE crash_point SET armed = false");

        // The dead transaction ends (PostgreSQL rolls it back when it finds its client gone): no change,
        // and no key left behind, answered or "in progress".
        await WaitForAsync(async () => await world.Db.ScalarAsync<long>(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'PgSleep'") == 0);
        Assert.Equal(0, await world.Db.ScalarAsync<long>("SELECT count(*) FROM credit_transactions WHERE user_id = 'u_idem_crash'"));
        Assert.Equal(0, await world.Db.ScalarAsync<long>("SELECT count(*) FROM idempotency_keys"));

        await using var restarted = await world.StartApiAsync(env, api.Port);
        var repeat = await Send(restarted, tokens);
        var again = await Send(restarted, tokens);

        Assert.Equal(HttpStatusCode.OK, repeat.StatusCode);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        var answer = await repeat.Content.ReadAsStringAsync();
        using (var a = JsonDocument.Parse(answer))
        using (var b = JsonDocument.Parse(await again.Content.ReadAsStringAsync()))
        {
            Assert.Equal(a.RootElement.GetProperty("transaction_id").GetGuid(), b.RootElement.GetProperty("transaction_id").GetGuid());
            Assert.Equal(50, b.RootElement.GetProperty("new_balance").GetInt64());
        }
        Assert.Equal(1, await world.Db.ScalarAsync<long>("SELECT count(*) FROM credit_transactions WHERE user_id = 'u_idem_crash'"));
        Assert.Equal(50, await world.Db.ScalarAsync<long>("SELECT get_credit_balance('u_idem_crash', 'scraper')"));
        Assert.Equal(1, await world.Db.ScalarAsync<long>("SELECT count(*) FROM idempotency_keys WHERE response IS NOT NULL"));
        Assert.Equal(0, await world.Db.ScalarAsync<long>("SELECT count(*) FROM idempotency_keys WHERE response IS NULL"));
    }

    private static Task<HttpResponseMessage> Send(ApiProcess api, ClerkTokens tokens)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/credits/scraper/add")
        {
            Content = new StringContent(Body, Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new("Bearer", tokens.Admin("admin_idem_crash"));
        request.Headers.Add("Idempotency-Key", "crash-1");
        return api.Http.SendAsync(request);
    }

    private static async Task WaitForAsync(Func<Task<bool>> condition)
    {
        var until = DateTime.UtcNow.AddMinutes(1);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < until, "the condition did not come true within a minute");
            await Task.Delay(50);
        }
    }
}
