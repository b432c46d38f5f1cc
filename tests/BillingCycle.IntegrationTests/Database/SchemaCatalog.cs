using BillingCycle.TestSupport;

namespace BillingCycle.IntegrationTests.Database;

/// <summary>
/// The schema of a database as one sorted list of lines, one per object, from PostgreSQL's own
/// catalogs: columns, constraints, indexes, functions (whole definitions), triggers, views,
/// sequences, row-level security, policies and privileges. Two databases with equal lists have
/// the same schema.
/// </summary>
public static class SchemaCatalog
{
    private const string Query = """
        WITH rels AS (
            SELECT c.oid, c.relname, c.relkind, c.relrowsecurity, c.relacl
              FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = 'public' AND c.relkind IN ('r', 'v', 'm', 'S', 'p'))
        SELECT line FROM (
            SELECT format('relation %s kind=%s rls=%s acl=%s', relname, relkind, relrowsecurity, relacl::text) AS line FROM rels
            UNION ALL
            SELECT format('column %s.%s #%s %s notnull=%s default=%s', r.relname, a.attname, a.attnum,
                          format_type(a.atttypid, a.atttypmod), a.attnotnull, pg_get_expr(d.adbin, d.adrelid))
              FROM rels r JOIN pg_attribute a ON a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped
              LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
            UNION ALL
            SELECT format('constraint %s.%s %s', r.relname, k.conname, pg_get_constraintdef(k.oid))
              FROM rels r JOIN pg_constraint k ON k.conrelid = r.oid
            UNION ALL
            SELECT format('index %s', indexdef) FROM pg_indexes WHERE schemaname = 'public'
            UNION ALL
            SELECT format('trigger %s', pg_get_triggerdef(t.oid))
              FROM rels r JOIN pg_trigger t ON t.tgrelid = r.oid AND NOT t.tgisinternal
            UNION ALL
            SELECT format('view %s %s', relname, pg_get_viewdef(oid)) FROM rels WHERE relkind IN ('v', 'm')
            UNION ALL
            SELECT format('policy %s.%s %s %s using=%s check=%s', tablename, policyname, cmd, roles::text, qual, with_check)
              FROM pg_policies WHERE schemaname = 'public'
            UNION ALL
            SELECT format('function %s(%s) acl=%s %s', p.proname, pg_get_function_identity_arguments(p.oid),
                          p.proacl::text, pg_get_functiondef(p.oid))
              FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
             WHERE n.nspname = 'public' AND p.prokind IN ('f', 'p')
               AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
            UNION ALL
            SELECT format('default-acl %s %s %s', d.defaclrole::regrole, d.defaclobjtype, d.defaclacl::text)
              FROM pg_default_acl d
        ) lines
        ORDER BY line COLLATE "C"
        """;

    public static Task<List<string>> ReadAsync(TestDatabase db) => db.ListAsync<string>(Query);

    /// <summary>Lines in one list and not the other, marked "-" (only in a) and "+" (only in b).</summary>
    public static List<string> Difference(IReadOnlyList<string> a, IReadOnlyList<string> b) =>
        a.Except(b).Select(l => "- " + l).Concat(b.Except(a).Select(l => "+ " + l)).ToList();
}
