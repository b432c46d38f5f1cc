using System.Reflection;
using BillingCycle.Api.Infrastructure.Database;
using BillingCycle.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace BillingCycle.IntegrationTests.Database.Supabase;

/// <summary>
/// A cluster of its own shaped like a Supabase project (supabase-roles.sql: bootstrap superuser
/// supabase_admin, postgres demoted), migrated by postgres as the service migrates Supabase, with
/// rows of two users. Its own cluster because roles are cluster-wide and postgres is demoted.
/// </summary>
public sealed class SupabaseDatabase : IAsyncLifetime
{
    public const string UserA = "user_supabase_a";
    public const string UserB = "user_supabase_b";

    private DedicatedPostgres _pg = null!;

    /// <summary>The service's role: postgres, owner of what the migrations create, BYPASSRLS.</summary>
    public NpgsqlDataSource Postgres { get; private set; } = null!;

    /// <summary>The role PostgREST logs in as before it switches to anon, authenticated or service_role.</summary>
    public NpgsqlDataSource Authenticator { get; private set; } = null!;

    public Guid SubscriptionA { get; private set; }

    /// <summary>The cluster's superuser, as Supabase's own platform migrations run.</summary>
    public string SupabaseAdminConnectionString => _pg.ConnectionStringFor("supabase_admin");

    public async Task InitializeAsync()
    {
        _pg = await DedicatedPostgres.StartAsync(superuser: "supabase_admin", database: "postgres");
        await using (var admin = NpgsqlDataSource.Create(_pg.ConnectionStringFor("supabase_admin")))
        await using (var cmd = admin.CreateCommand(ReadRolesScript()))
        {
            await cmd.ExecuteNonQueryAsync();
        }

        Postgres = NpgsqlDataSource.Create(_pg.ConnectionStringFor("postgres"));
        Authenticator = NpgsqlDataSource.Create(_pg.ConnectionStringFor("authenticator"));
        // The full migrate, whatever it applies and in which order: privileges are judged after it.
        await new Migrator(Postgres, new DatabaseTarget("supabase-shaped"), NullLogger<Migrator>.Instance).MigrateAsync();
        await SeedAsync();
    }

    /// <summary>
    /// Runs <paramref name="body"/> as PostgREST runs a request: in one transaction, the JWT claims
    /// in request.jwt.claims (set_config(..., true)) and the role switched with SET LOCAL ROLE.
    /// Rolled back unless <paramref name="commit"/>.
    /// </summary>
    public async Task<T> AsAsync<T>(string role, string? sub, Func<NpgsqlConnection, Task<T>> body, bool commit = false)
    {
        await using var conn = await Authenticator.OpenConnectionAsync();
        await using var tx = await conn.BeginTransactionAsync();
        if (sub is not null)
        {
            await using var claims = new NpgsqlCommand("SELECT set_config('request.jwt.claims', $1, true)", conn);
            claims.Parameters.AddWithValue($$"""{"sub":"{{sub}}","role":"{{role}}","aud":"authenticated"}""");
            await claims.ExecuteNonQueryAsync();
        }
        await using (var setRole = new NpgsqlCommand($"SET LOCAL ROLE {role}", conn))
        {
            await setRole.ExecuteNonQueryAsync();
        }
        var result = await body(conn);
        if (commit)
        {
            await tx.CommitAsync();
        }
        return result;
    }

    public static async Task<T> ScalarAsync<T>(NpgsqlConnection conn, string sql, params object[] args)
    {
        await using var cmd = new NpgsqlCommand(sql, conn);
        foreach (var a in args)
        {
            cmd.Parameters.Add(new NpgsqlParameter { Value = a });
        }
        return (T)(await cmd.ExecuteScalarAsync())!;
    }

    public async Task<T> ScalarAsync<T>(string sql, params object[] args)
    {
        await using var conn = await Postgres.OpenConnectionAsync();
        return await ScalarAsync<T>(conn, sql, args);
    }

    /// <summary>Rows of a two-column query, as the service's role.</summary>
    public async Task<List<(string, string)>> PairsAsync(string sql, params object[] args)
    {
        await using var conn = await Postgres.OpenConnectionAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        foreach (var a in args)
        {
            cmd.Parameters.Add(new NpgsqlParameter { Value = a });
        }
        var rows = new List<(string, string)>();
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync())
        {
            rows.Add((r.GetString(0), r.GetString(1)));
        }
        return rows;
    }

    // Written as the service's role, which owns the tables and is not subject to their policies.
    private async Task SeedAsync()
    {
        await using var conn = await Postgres.OpenConnectionAsync();
        await using var cmd = new NpgsqlCommand($$"""
            INSERT INTO users (id, email) VALUES ('{{UserA}}', 'a@example.com'), ('{{UserB}}', 'b@example.com');
            INSERT INTO subscription_plans (name, price, interaction_credits, scraper_credits, is_active)
            VALUES ('Pro', 149000, 1000, 500, true), ('Legacy', 99000, 500, 100, false);
            INSERT INTO subscriptions (user_id, plan_id, billing_anchor)
            SELECT u, (SELECT id FROM subscription_plans WHERE name = 'Pro'), now() - interval '10 days'
              FROM unnest(ARRAY['{{UserA}}', '{{UserB}}']) u;
            INSERT INTO invoices (invoice_number, user_id, subscription_id, period_start, period_end, amount, status, paid_at)
            SELECT 'INV-TEST-' || s.user_id || '-' || n, s.user_id, s.id,
                   now() - make_interval(months => n), now() - make_interval(months => n - 1), 149000,
                   CASE WHEN n = 1 THEN 'pending' ELSE 'paid' END, CASE WHEN n = 1 THEN NULL ELSE now() END
              FROM subscriptions s CROSS JOIN generate_series(1, 2) n
             WHERE s.user_id = '{{UserA}}' OR n = 1;
            SELECT reset_interaction_credits(u, 1000, 'seed-' || u, 'seed') FROM unnest(ARRAY['{{UserA}}', '{{UserB}}']) u;
            SELECT add_scraper_credits('{{UserA}}', 500, 'seed-scraper', 'seed');
            INSERT INTO notifications (user_id, type, title, message)
            VALUES ('{{UserA}}', 'invoice', 'A1', 'm'), ('{{UserA}}', 'invoice', 'A2', 'm'), ('{{UserB}}', 'invoice', 'B1', 'm');
            """, conn);
        await cmd.ExecuteNonQueryAsync();
        SubscriptionA = await ScalarAsync<Guid>(conn, $"SELECT id FROM subscriptions WHERE user_id = '{UserA}'");
    }

    private static string ReadRolesScript()
    {
        var asm = Assembly.GetExecutingAssembly();
        using var s = asm.GetManifestResourceStream("supabase/supabase-roles.sql")
            ?? throw new InvalidOperationException("supabase-roles.sql is not embedded");
        using var reader = new StreamReader(s);
        return reader.ReadToEnd();
    }

    public async Task DisposeAsync()
    {
        if (Postgres is not null)
        {
            await Postgres.DisposeAsync();
        }
        if (Authenticator is not null)
        {
            await Authenticator.DisposeAsync();
        }
        if (_pg is not null)
        {
            await _pg.DisposeAsync();
        }
    }
}
