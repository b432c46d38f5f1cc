using System.Globalization;

namespace BillingCycle.Bench;

public sealed record StatementCost(string Query, long Calls, double MeanMs, double TotalMs, double SharePercent);

/// <summary>pg_stat_statements (with track=all, so statements inside SQL functions count): the costliest per phase.</summary>
public static class Statements
{
    public static async Task ResetAsync(Stack stack)
    {
        await stack.ExecAsync("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
        await stack.ExecAsync("SELECT pg_stat_statements_reset()");
    }

    public static async Task<List<StatementCost>> TopAsync(Stack stack, int n)
    {
        var list = new List<StatementCost>();
        await using var cmd = stack.Db.CreateCommand("""
            WITH s AS (SELECT query, calls, mean_exec_time, total_exec_time, sum(total_exec_time) OVER () AS all_time
                         FROM pg_stat_statements WHERE toplevel = false OR query NOT ILIKE 'select % from billing_%')
            SELECT regexp_replace(query, '\s+', ' ', 'g'), calls, mean_exec_time, total_exec_time,
                   100 * total_exec_time / nullif(all_time, 0)
              FROM s ORDER BY total_exec_time DESC LIMIT $1
            """);
        cmd.Parameters.Add(new() { Value = n });
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync())
        {
            var q = r.GetString(0);
            list.Add(new StatementCost(q.Length > 160 ? q[..160] + "…" : q, r.GetInt64(1), Math.Round(r.GetDouble(2), 3),
                Math.Round(r.GetDouble(3), 1), Math.Round(r.IsDBNull(4) ? 0 : r.GetDouble(4), 1)));
        }
        return list;
    }

    public static string Describe(IEnumerable<StatementCost> top) => string.Join('\n', top.Select(s =>
        string.Create(CultureInfo.InvariantCulture, $"    {s.SharePercent,5:F1}%  {s.Calls,7} calls  {s.MeanMs,7:F3} ms  {s.Query}")));
}
