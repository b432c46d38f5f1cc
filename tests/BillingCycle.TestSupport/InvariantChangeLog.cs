using Npgsql;

namespace BillingCycle.TestSupport;

/// <summary>The invoices, subscriptions, users and callbacks that changed since the previous check.</summary>
public sealed record InvariantScope(Guid[] Invoices, Guid[] Subscriptions, string[] Users, Guid[] Events)
{
    public object For(InvariantChecker.ScopeKind kind) => kind switch
    {
        InvariantChecker.ScopeKind.Invoices => Invoices,
        InvariantChecker.ScopeKind.Subscriptions => Subscriptions,
        InvariantChecker.ScopeKind.Users => Users,
        _ => Events,
    };

    public int Size => Invoices.Length + Subscriptions.Length + Users.Length + Events.Length;
}

/// <summary>
/// Lets a long run check only what changed each day, without trusting the service to say what it
/// changed: row triggers that this test installs (in the test database only, never in db/) note the
/// key of every row written to the money tables, whatever statement wrote it and whether or not it
/// kept updated_at. <see cref="TakeAsync"/> empties the log into an <see cref="InvariantScope"/>:
/// the invoices whose row, attempts, retries or grants changed; their subscriptions and the
/// subscriptions that changed themselves; the users whose ledger or balance changed; the callbacks.
/// Install it before the first row is written; the whole-history check stays the final word.
/// It also keeps, for the whole run, each plan change and each credit grant with its transaction
/// (<c>invariant_plan_changes</c>, <c>invariant_grants</c>): the plan rules of
/// <see cref="InvariantChecker"/> need them and run only where they are installed.
/// </summary>
public static class InvariantChangeLog
{
    private const string Install = """
        CREATE UNLOGGED TABLE IF NOT EXISTS invariant_changes (invoice_id uuid, subscription_id uuid, user_id text, event_id uuid);

        CREATE OR REPLACE FUNCTION invariant_note() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
            r record;
        BEGIN
            IF TG_OP = 'DELETE' THEN r := OLD; ELSE r := NEW; END IF;
            CASE TG_TABLE_NAME
                WHEN 'invoices' THEN INSERT INTO invariant_changes (invoice_id) VALUES (r.id);
                WHEN 'payments' THEN INSERT INTO invariant_changes (invoice_id) VALUES (r.invoice_id);
                WHEN 'payment_retries' THEN INSERT INTO invariant_changes (invoice_id) VALUES (r.invoice_id);
                WHEN 'subscriptions' THEN INSERT INTO invariant_changes (subscription_id) VALUES (r.id);
                WHEN 'credit_transactions' THEN
                    -- A grant names its invoice by id (a yearly allowance as <id>:m<k>); other
                    -- references (a spend's) are free text.
                    INSERT INTO invariant_changes (invoice_id, user_id)
                    VALUES (CASE WHEN r.reference_id ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(:m[0-9]+)?$'
                                 THEN left(r.reference_id, 36)::uuid END, r.user_id);
                WHEN 'credit_balances' THEN INSERT INTO invariant_changes (user_id) VALUES (r.user_id);
                WHEN 'credit_notes' THEN INSERT INTO invariant_changes (invoice_id, user_id) VALUES (r.invoice_id, r.user_id);
                ELSE INSERT INTO invariant_changes (event_id) VALUES (r.id); -- webhook_events
            END CASE;
            RETURN NULL;
        END $$;

        DO $$
        DECLARE
            t text;
        BEGIN
            FOREACH t IN ARRAY ARRAY['invoices', 'payments', 'payment_retries', 'subscriptions',
                                     'credit_transactions', 'credit_balances', 'credit_notes', 'webhook_events'] LOOP
                EXECUTE format('CREATE OR REPLACE TRIGGER invariant_note AFTER INSERT OR UPDATE OR DELETE ON %I
                                FOR EACH ROW EXECUTE FUNCTION invariant_note()', t);
            END LOOP;
        END $$;

        -- What the plan rules need and no table keeps: every change of a subscription's plan and
        -- every credit grant, each with its (top-level) transaction, so a rule can ask whether a
        -- plan changed in the transaction that granted a paid invoice's credits. Kept for the
        -- whole run (not emptied by TakeAsync): a few rows per invoice.
        CREATE UNLOGGED TABLE IF NOT EXISTS invariant_plan_changes (
            subscription_id uuid NOT NULL, user_id text NOT NULL, old_plan uuid NOT NULL, new_plan uuid NOT NULL,
            txid xid8 NOT NULL DEFAULT pg_current_xact_id());
        CREATE INDEX IF NOT EXISTS invariant_plan_changes_sub_idx ON invariant_plan_changes (subscription_id);
        CREATE UNLOGGED TABLE IF NOT EXISTS invariant_grants (
            user_id text NOT NULL, credit_type text NOT NULL, kind text NOT NULL, reference_id text,
            txid xid8 NOT NULL DEFAULT pg_current_xact_id());
        CREATE INDEX IF NOT EXISTS invariant_grants_reference_idx ON invariant_grants (reference_id);
        CREATE INDEX IF NOT EXISTS invariant_grants_tx_idx ON invariant_grants (txid);

        CREATE OR REPLACE FUNCTION invariant_note_plan() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO invariant_plan_changes (subscription_id, user_id, old_plan, new_plan)
            VALUES (NEW.id, NEW.user_id, OLD.plan_id, NEW.plan_id);
            RETURN NULL;
        END $$;
        CREATE OR REPLACE TRIGGER invariant_note_plan AFTER UPDATE OF plan_id ON subscriptions
            FOR EACH ROW WHEN (OLD.plan_id IS DISTINCT FROM NEW.plan_id) EXECUTE FUNCTION invariant_note_plan();

        CREATE OR REPLACE FUNCTION invariant_note_grant() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO invariant_grants (user_id, credit_type, kind, reference_id)
            VALUES (NEW.user_id, NEW.credit_type, NEW.kind, NEW.reference_id);
            RETURN NULL;
        END $$;
        CREATE OR REPLACE TRIGGER invariant_note_grant AFTER INSERT ON credit_transactions
            FOR EACH ROW WHEN (NEW.kind IN ('reset', 'add')) EXECUTE FUNCTION invariant_note_grant();

        -- The grant rules find an invoice's ledger rows by reference alone. The service never
        -- does (it looks grants up by user, type, kind and reference, which has its unique key),
        -- so this index exists only in the test database.
        CREATE INDEX IF NOT EXISTS invariant_credit_reference_idx ON credit_transactions (reference_id);
        -- The outbox rule reads the notifications of the retention window; the service reads them by user.
        CREATE INDEX IF NOT EXISTS invariant_notifications_created_idx ON notifications (created_at);
        """;

    private const string Take = """
        WITH c AS (DELETE FROM invariant_changes RETURNING *),
        invs AS (SELECT DISTINCT invoice_id AS id FROM c WHERE invoice_id IS NOT NULL),
        subs AS (SELECT subscription_id AS id FROM c WHERE subscription_id IS NOT NULL
                 -- A credit pack's invoice has no subscription (contract §11.4).
                 UNION SELECT i.subscription_id FROM invoices i WHERE i.id IN (SELECT id FROM invs) AND i.subscription_id IS NOT NULL)
        SELECT coalesce((SELECT array_agg(id) FROM invs), '{}'),
               coalesce((SELECT array_agg(id) FROM subs), '{}'),
               coalesce((SELECT array_agg(DISTINCT user_id) FROM c WHERE user_id IS NOT NULL), '{}'),
               coalesce((SELECT array_agg(DISTINCT event_id) FROM c WHERE event_id IS NOT NULL), '{}')
        """;

    public static async Task InstallAsync(NpgsqlDataSource db)
    {
        await using var cmd = db.CreateCommand(Install);
        await cmd.ExecuteNonQueryAsync();
    }

    /// <summary>What changed since the previous call (or the install), and the log emptied.</summary>
    public static async Task<InvariantScope> TakeAsync(NpgsqlDataSource db)
    {
        await using var cmd = db.CreateCommand(Take);
        await using var r = await cmd.ExecuteReaderAsync();
        await r.ReadAsync();
        return new InvariantScope(r.GetFieldValue<Guid[]>(0), r.GetFieldValue<Guid[]>(1), r.GetFieldValue<string[]>(2), r.GetFieldValue<Guid[]>(3));
    }
}
