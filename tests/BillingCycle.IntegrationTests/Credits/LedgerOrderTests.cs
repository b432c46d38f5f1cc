using System.Net.Http.Json;
using System.Text.Json;
using BillingCycle.IntegrationTests.Infrastructure;
using BillingCycle.TestSupport;

namespace BillingCycle.IntegrationTests.Credits;

/// <summary>contract §10.5: the ledger listed newest first chains balance_after, also under concurrent changes.</summary>
public sealed class LedgerOrderTests(DatabaseFixture fx) : IClassFixture<DatabaseFixture>, IAsyncLifetime
{
    private static readonly ClerkTokens Tokens = new();
    private ApiFactory _factory = null!;

    public Task InitializeAsync()
    {
        _factory = new ApiFactory(fx.Db, Tokens);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    [Fact]
    public async Task Thirty_concurrent_consumes_and_adds_leave_a_ledger_that_chains_in_its_listed_order()
    {
        var admin = _factory.ClientFor(Tokens.Admin("admin_ledger"));
        await admin.PostAsJsonAsync("/api/credits/interaction/reset", new { amount = 20, user_id = "u_chain" });
        var user = _factory.ClientFor(Tokens.Issue("u_chain"));
        var work = Enumerable.Range(0, 30).Select(i => i % 5 == 0
            ? admin.PostAsJsonAsync("/api/credits/scraper/add", new { amount = 3, user_id = "u_chain" })
            : user.PostAsJsonAsync("/api/credits/interaction/consume", new { amount = 1, reference_id = $"job-{i}" }));
        await Task.WhenAll(work);

        var all = await ListAsync(user, "/api/credits/transactions?limit=100");
        foreach (var type in new[] { "interaction", "scraper" })
        {
            var rows = all.Where(r => r.Type == type).ToList();
            Assert.NotEmpty(rows);
            AssertChains(rows, await fx.Db.ScalarAsync<long>("SELECT get_credit_balance('u_chain', $1)", type));
            // The same order when only this type is listed, page by page.
            Assert.Equal(rows.Select(r => r.Seq), (await ListAsync(user, $"/api/credits/transactions?limit=7&credit_type={type}")).Select(r => r.Seq));
        }
        Assert.Equal(0, await fx.Db.ScalarAsync<long>("""
            SELECT count(*) FROM (SELECT credit_type, seq, row_number() OVER (PARTITION BY credit_type ORDER BY seq) AS n
                                    FROM credit_transactions WHERE user_id = 'u_chain') s
             WHERE seq <> n
            """));
    }

    [Fact]
    public async Task A_change_whose_clock_was_read_before_an_earlier_lock_still_lists_after_it()
    {
        // Two requests read the clock at 10:00:02 and 10:00:01 but took the balance lock in the
        // other order: the second change must not list before the first.
        await fx.Db.ExecAsync("SELECT add_scraper_credits('u_clock', 10, 'a', 'first', '2026-11-01 10:00:02Z')");
        await fx.Db.ExecAsync("SELECT add_scraper_credits('u_clock', 5, 'b', 'second', '2026-11-01 10:00:01Z')");
        var user = _factory.ClientFor(Tokens.Issue("u_clock"));

        var rows = await ListAsync(user, "/api/credits/transactions?limit=10");

        Assert.Equal([2L, 1L], rows.Select(r => r.Seq));
        Assert.Equal([15L, 10L], rows.Select(r => r.BalanceAfter));
        AssertChains(rows, 15);
    }

    private static void AssertChains(List<Row> newestFirst, long balance)
    {
        Assert.Equal(balance, newestFirst[0].BalanceAfter);
        for (var i = 0; i < newestFirst.Count - 1; i++)
        {
            var (row, previous) = (newestFirst[i], newestFirst[i + 1]);
            Assert.True(row.Seq == previous.Seq + 1, $"seq {row.Seq} listed right after {previous.Seq}");
            if (row.Kind != "reset")
            {
                Assert.True(row.BalanceAfter == previous.BalanceAfter + row.Amount,
                    $"seq {row.Seq}: balance_after {row.BalanceAfter} ≠ {previous.BalanceAfter} + {row.Amount}");
            }
        }
    }

    private sealed record Row(string Type, string Kind, long Amount, long BalanceAfter, long Seq);

    private static async Task<List<Row>> ListAsync(HttpClient c, string first)
    {
        var rows = new List<Row>();
        var url = first;
        while (url is not null)
        {
            var page = await c.GetFromJsonAsync<JsonElement>(url);
            rows.AddRange(page.GetProperty("transactions").EnumerateArray().Select(t => new Row(
                t.GetProperty("credit_type").GetString()!, t.GetProperty("kind").GetString()!, t.GetProperty("amount").GetInt64(),
                t.GetProperty("balance_after").GetInt64(), t.GetProperty("seq").GetInt64())));
            var next = page.GetProperty("next_cursor");
            url = next.ValueKind == JsonValueKind.String ? $"{first}&before={next.GetString()}" : null;
        }
        return rows;
    }
}
