using BillingCycle.IntegrationTests.Infrastructure;

namespace BillingCycle.IntegrationTests.Credits;

/// <summary>
/// contract §13.2: one ledger INSERT of several rows (a hot balance's batch through credits_apply_many)
/// writes one credits event per granted or revoked row, none for a consume, each with its webhook
/// delivery when that channel is on, in the ledger's order.
/// </summary>
public sealed class CreditBatchEventsTests(DatabaseFixture fx) : IClassFixture<DatabaseFixture>
{
    private const string Batch = """
        SELECT count(*) FROM credits_apply_many($1, 'scraper',
            ARRAY['add', 'add', 'consume', 'revoke'], ARRAY[5, 7, 2, 3]::bigint[],
            ARRAY[$1 || '-a', $1 || '-b', $1 || '-c', $1 || '-d'], ARRAY[NULL, NULL, NULL, NULL]::text[],
            ARRAY[NULL, NULL, NULL, NULL]::text[],
            ARRAY['2026-11-01 10:00:01Z', '2026-11-01 10:00:02Z', '2026-11-01 10:00:03Z', '2026-11-01 10:00:04Z']::timestamptz[])
         WHERE refused IS NULL
        """;

    [Fact]
    public async Task A_mixed_batch_writes_one_event_and_one_delivery_per_grant_or_revoke_in_ledger_order()
    {
        await SetWebhookChannelAsync(true);

        Assert.Equal(4L, await fx.Db.ScalarAsync<long>(Batch, "u_batch_on"));

        Assert.Equal(4L, await fx.Db.ScalarAsync<long>("SELECT count(*) FROM credit_transactions WHERE user_id = 'u_batch_on'"));
        // Each add and the revoke: exactly one event carrying the row as the API shows it, of its type.
        Assert.Equal(0L, await fx.Db.ScalarAsync<long>("""
            SELECT count(*) FROM credit_transactions t
             WHERE t.user_id = 'u_batch_on' AND t.kind <> 'consume'
               AND (SELECT count(*) FROM events e
                     WHERE e.data = jsonb_build_object('object', api_credit_transaction(t))
                       AND e.type = CASE WHEN t.kind = 'revoke' THEN 'credits.revoked' ELSE 'credits.granted' END) <> 1
            """));
        // No event names the consume, and no other credits event was written.
        Assert.Equal(0L, await fx.Db.ScalarAsync<long>("""
            SELECT count(*) FROM events e JOIN credit_transactions t ON e.data -> 'object' ->> 'id' = t.id::text
             WHERE t.user_id = 'u_batch_on' AND t.kind = 'consume'
            """));
        Assert.Equal(3L, await fx.Db.ScalarAsync<long>("""
            SELECT count(*) FROM events e JOIN credit_transactions t ON e.data -> 'object' ->> 'id' = t.id::text
             WHERE t.user_id = 'u_batch_on'
            """));
        // One webhook delivery per event, none twice.
        Assert.Equal([1L, 1L, 1L], await fx.Db.ListAsync<long>("""
            SELECT (SELECT count(*) FROM deliveries d WHERE d.event_id = e.id AND d.channel = 'webhook')
              FROM events e JOIN credit_transactions t ON e.data -> 'object' ->> 'id' = t.id::text
             WHERE t.user_id = 'u_batch_on'
            """));
        // The events feed pages by (txid, seq): the events' order is the ledger's.
        Assert.Equal([1L, 2L, 4L], await fx.Db.ListAsync<long>("""
            SELECT t.seq FROM events e JOIN credit_transactions t ON e.data -> 'object' ->> 'id' = t.id::text
             WHERE t.user_id = 'u_batch_on'
             ORDER BY e.txid, e.seq
            """));
    }

    [Fact]
    public async Task With_the_webhook_channel_off_a_batch_writes_its_events_and_no_delivery()
    {
        await SetWebhookChannelAsync(false);

        Assert.Equal(4L, await fx.Db.ScalarAsync<long>(Batch, "u_batch_off"));

        Assert.Equal(3L, await fx.Db.ScalarAsync<long>("""
            SELECT count(*) FROM events e JOIN credit_transactions t ON e.data -> 'object' ->> 'id' = t.id::text
             WHERE t.user_id = 'u_batch_off'
            """));
        Assert.Equal(0L, await fx.Db.ScalarAsync<long>("""
            SELECT count(*) FROM deliveries d JOIN events e ON e.id = d.event_id
              JOIN credit_transactions t ON e.data -> 'object' ->> 'id' = t.id::text
             WHERE t.user_id = 'u_batch_off'
            """));
    }

    private Task<int> SetWebhookChannelAsync(bool on) => fx.Db.ExecAsync("""
        INSERT INTO delivery_channels (channel, enabled, updated_at) VALUES ('webhook', $1, now())
        ON CONFLICT (channel) DO UPDATE SET enabled = excluded.enabled
        """, on);
}
