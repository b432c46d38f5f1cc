using System.Text.Json;
using BillingCycle.IntegrationTests.Infrastructure;

namespace BillingCycle.IntegrationTests.Tax;

/// <summary>
/// The invoice composer (db/functions/invoice_composer.sql) as contract §12.1 computes PPN: each
/// value whole rupiah rounded half up, each rounded value fed to the next formula, DPP nilai lain
/// with f = n/d. Run on the real server, where every invoice is composed.
/// </summary>
public sealed class InvoiceComposerTests(DatabaseFixture fx) : IClassFixture<DatabaseFixture>
{
    private static string Tax(decimal rate, bool inclusive, int n = 1, int d = 1) => JsonSerializer.Serialize(new
    {
        rate, name = "PPN", inclusive, other_base_n = n, other_base_d = d,
    });

    private async Task<(long Amount, JsonElement? Line)> ComposeAsync(long price, string tax, long discount = 0)
    {
        var row = await fx.Db.ScalarAsync<string>(
            "SELECT amount || '|' || coalesce(tax_line::text, '') FROM billing_compose_invoice($1, $2, $3::jsonb)", price, discount, tax);
        var parts = row.Split('|', 2);
        return (long.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture),
            parts[1].Length == 0 ? null : JsonDocument.Parse(parts[1]).RootElement.Clone());
    }

    [Fact]
    public async Task Exclusive_worked_example_Rp99000_gives_DPP_nilai_lain_90750_PPN_10890_amount_109890()
    {
        var (amount, line) = await ComposeAsync(99_000, Tax(12, inclusive: false, 11, 12));

        Assert.Equal(109_890, amount);
        var t = line!.Value;
        Assert.Equal(99_000, t.GetProperty("taxable_base").GetInt64());
        Assert.Equal(90_750, t.GetProperty("other_taxable_base").GetInt64());
        Assert.Equal(10_890, t.GetProperty("amount").GetInt64());
        Assert.False(t.GetProperty("inclusive").GetBoolean());
        Assert.Equal(12, t.GetProperty("rate").GetDecimal());
    }

    [Fact]
    public async Task Inclusive_worked_example_Rp149000_gives_PPN_14766_DPP_134234_DPP_nilai_lain_123048()
    {
        var (amount, line) = await ComposeAsync(149_000, Tax(12, inclusive: true, 11, 12));

        Assert.Equal(149_000, amount);
        var t = line!.Value;
        Assert.Equal(14_766, t.GetProperty("amount").GetInt64());
        Assert.Equal(134_234, t.GetProperty("taxable_base").GetInt64());
        Assert.Equal(123_048, t.GetProperty("other_taxable_base").GetInt64());
        Assert.True(t.GetProperty("inclusive").GetBoolean());
    }

    [Theory]
    // 18 × 11/12 = 16.5: half up gives 17 (half-even would give 16).
    [InlineData(18, false, 17, 2)]   // 17 × 12 % = 2.04 → 2
    // 125 exclusive: 125 × 11/12 = 114.58 → 115; × 12 % = 13.8 → 14.
    [InlineData(125, false, 115, 14)]
    public async Task Each_value_is_rounded_half_up_and_fed_forward(long price, bool inclusive, long otherBase, long tax)
    {
        var (_, line) = await ComposeAsync(price, Tax(12, inclusive, 11, 12));
        Assert.Equal(otherBase, line!.Value.GetProperty("other_taxable_base").GetInt64());
        Assert.Equal(tax, line.Value.GetProperty("amount").GetInt64());
    }

    [Fact]
    public async Task Half_rupiah_PPN_rounds_up_not_to_even()
    {
        // Exclusive 10 % of 25 = 2.5 → 3 (half-even: 2); of 5 at f = 1: 0.5 → 1 (half-even: 0).
        Assert.Equal(3, (await ComposeAsync(25, Tax(10, inclusive: false))).Line!.Value.GetProperty("amount").GetInt64());
        Assert.Equal(1, (await ComposeAsync(5, Tax(10, inclusive: false))).Line!.Value.GetProperty("amount").GetInt64());
    }

    [Fact]
    public async Task Tax_is_computed_on_the_price_after_discount()
    {
        var (amount, line) = await ComposeAsync(109_000, Tax(12, inclusive: false, 11, 12), discount: 10_000);
        Assert.Equal(109_890, amount);
        Assert.Equal(99_000, line!.Value.GetProperty("taxable_base").GetInt64());
    }

    /// <summary>
    /// 10,000 prices (every rupiah from 1 to 5,000, then 5,000 spread up to Rp50,000,000), both modes,
    /// f = 11/12 and 1/1, rates 11 and 12: the amounts add up and PPN is within a rupiah of
    /// round(DPP nilai lain × rate). Checked in SQL, where the composer runs.
    /// </summary>
    [Theory]
    [InlineData(true, 12, 11, 12)]
    [InlineData(false, 12, 11, 12)]
    [InlineData(true, 11, 1, 1)]
    [InlineData(false, 11, 1, 1)]
    public async Task Property_over_ten_thousand_prices_the_amounts_add_up_and_PPN_is_within_a_rupiah(bool inclusive, int rate, int n, int d)
    {
        var bad = await fx.Db.ScalarAsync<string?>("""
            WITH prices AS (
                SELECT g AS p FROM generate_series(1, 5000) g
                UNION ALL SELECT 5000 + (g::bigint * 49995000 / 5000) + (g * 7919) % 1000 FROM generate_series(1, 5000) g
            ), c AS (
                SELECT pr.p, t.amount, (t.tax_line ->> 'taxable_base')::bigint AS dpp,
                       coalesce(t.tax_line ->> 'other_taxable_base', t.tax_line ->> 'taxable_base')::bigint AS dpp_lain,
                       (t.tax_line ->> 'amount')::bigint AS ppn
                  FROM prices pr CROSS JOIN LATERAL billing_compose_invoice(pr.p, 0, $1::jsonb) t
            )
            SELECT string_agg(p::text, ',') || ' of ' || (SELECT count(*) FROM c)
              FROM c
             WHERE ppn IS NULL
                OR ($2 AND (dpp + ppn <> p OR amount <> p))
                OR (NOT $2 AND (dpp <> p OR p + ppn <> amount))
                OR dpp_lain <> round(dpp * $3::numeric / $4)
                OR abs(ppn - round(dpp_lain * $5::numeric / 100)) > 1
            """, Tax(rate, inclusive, n, d), inclusive, n, d, rate);
        Assert.Null(bad);
        Assert.Equal(10_000, await fx.Db.ScalarAsync<long>("""
            SELECT count(DISTINCT p) FROM (SELECT g AS p FROM generate_series(1, 5000) g
                UNION ALL SELECT 5000 + (g::bigint * 49995000 / 5000) + (g * 7919) % 1000 FROM generate_series(1, 5000) g) x
            """));
    }

    /// <summary>
    /// With the default f = 1/1 every invoice is byte-for-byte what the total of contract §7.8 made:
    /// the former function, kept here verbatim as pg_temp.old_total, against the composer.
    /// </summary>
    [Fact]
    public async Task With_f_one_every_amount_and_tax_line_is_byte_for_byte_the_former_one()
    {
        await using var conn = await fx.Db.DataSource.OpenConnectionAsync();
        await using (var create = new Npgsql.NpgsqlCommand("""
            CREATE FUNCTION pg_temp.old_total(p_price bigint, p_tax jsonb)
            RETURNS TABLE (amount bigint, tax_line jsonb)
            LANGUAGE plpgsql IMMUTABLE AS $$
            DECLARE
                v_rate numeric := coalesce((p_tax->>'rate')::numeric, 0);
                v_inclusive boolean := coalesce((p_tax->>'inclusive')::boolean, true);
                v_tax bigint;
            BEGIN
                IF v_rate <= 0 OR p_price = 0 THEN
                    RETURN QUERY SELECT p_price, NULL::jsonb;
                    RETURN;
                END IF;
                IF v_inclusive THEN
                    v_tax := round(p_price * v_rate / (100 + v_rate));
                    RETURN QUERY SELECT p_price, jsonb_build_object('type', 'tax', 'name', coalesce(p_tax->>'name', 'PPN'), 'rate', v_rate,
                                                                    'taxable_base', p_price - v_tax, 'amount', v_tax, 'inclusive', true);
                ELSE
                    v_tax := round(p_price * v_rate / 100);
                    RETURN QUERY SELECT p_price + v_tax, jsonb_build_object('type', 'tax', 'name', coalesce(p_tax->>'name', 'PPN'), 'rate', v_rate,
                                                                            'taxable_base', p_price, 'amount', v_tax, 'inclusive', false);
                END IF;
            END $$;
            """, conn))
        {
            await create.ExecuteNonQueryAsync();
        }
        await using var cmd = new Npgsql.NpgsqlCommand("""
            WITH prices AS (SELECT unnest(ARRAY[0, 1, 5, 99, 4999, 5000, 49000, 99000, 149000, 1000000, 12345678, 999999999]::bigint[]) AS p),
                 settings AS (SELECT s::jsonb AS tax, o::jsonb AS old FROM (VALUES
                     ('{"rate": 11, "name": "PPN", "inclusive": true, "other_base_n": 1, "other_base_d": 1}', '{"rate": 11, "name": "PPN", "inclusive": true}'),
                     ('{"rate": 11, "name": "PPN", "inclusive": false, "other_base_n": 1, "other_base_d": 1}', '{"rate": 11, "name": "PPN", "inclusive": false}'),
                     ('{"rate": 12, "name": "VAT", "inclusive": true, "other_base_n": 1, "other_base_d": 1}', '{"rate": 12, "name": "VAT", "inclusive": true}'),
                     ('{"rate": 12.5, "name": "PPN", "inclusive": false, "other_base_n": 1, "other_base_d": 1}', '{"rate": 12.5, "name": "PPN", "inclusive": false}'),
                     ('{"rate": 0, "name": "PPN", "inclusive": true, "other_base_n": 1, "other_base_d": 1}', '{"rate": 0, "name": "PPN", "inclusive": true}'),
                     ('{}', '{}')) v(s, o))
            SELECT count(*), count(*) FILTER (WHERE n.amount IS DISTINCT FROM o.amount OR n.tax_line::text IS DISTINCT FROM o.tax_line::text)
              FROM prices CROSS JOIN settings
             CROSS JOIN LATERAL billing_compose_invoice(prices.p, 0, settings.tax) n
             CROSS JOIN LATERAL pg_temp.old_total(prices.p, settings.old) o
            """, conn);
        await using var r = await cmd.ExecuteReaderAsync();
        Assert.True(await r.ReadAsync());
        Assert.Equal(72, r.GetInt64(0));
        Assert.Equal(0, r.GetInt64(1));
    }
}
