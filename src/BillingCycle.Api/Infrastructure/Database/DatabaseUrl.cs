using Npgsql;

namespace BillingCycle.Api.Infrastructure.Database;

/// <summary>
/// Turns DATABASE_URL into an Npgsql connection string. Accepts the URL form that Supabase and
/// Heroku print (postgres://user:pass@host:port/db?sslmode=require) or a plain Npgsql string.
/// Error messages never contain the password.
/// </summary>
public static class DatabaseUrl
{
    public const string LocalDefault = "postgres://postgres@127.0.0.1:54329/billing";

    public static NpgsqlConnectionStringBuilder Parse(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var text = value.Trim();
        if (text.Length == 0)
        {
            throw new FormatException("DATABASE_URL is empty");
        }

        if (text.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase) ||
            text.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase))
        {
            return FromUrl(text);
        }

        if (!text.Contains('=', StringComparison.Ordinal))
        {
            throw new FormatException(
                "DATABASE_URL is neither a postgres:// URL nor an Npgsql connection string");
        }

        try
        {
            return new NpgsqlConnectionStringBuilder(text);
        }
        catch (ArgumentException ex)
        {
            // Npgsql names the bad keyword, not its value.
            throw new FormatException($"DATABASE_URL is not a valid connection string: {ex.Message}", ex);
        }
    }

    /// <summary>Host, port and database only: safe to print.</summary>
    public static string Describe(NpgsqlConnectionStringBuilder b) =>
        $"{b.Host}:{b.Port}/{b.Database}";

    private static NpgsqlConnectionStringBuilder FromUrl(string text)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
        {
            throw new FormatException("DATABASE_URL is not a valid postgres:// URL (host missing or malformed)");
        }

        var b = new NpgsqlConnectionStringBuilder
        {
            Host = uri.Host,
            Port = uri.IsDefaultPort || uri.Port <= 0 ? 5432 : uri.Port,
            Database = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/')) is { Length: > 0 } db ? db : "postgres",
        };

        if (!string.IsNullOrEmpty(uri.UserInfo))
        {
            var parts = uri.UserInfo.Split(':', 2);
            b.Username = Uri.UnescapeDataString(parts[0]);
            if (parts.Length == 2)
            {
                b.Password = Uri.UnescapeDataString(parts[1]);
            }
        }

        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var kv = pair.Split('=', 2);
            var key = Uri.UnescapeDataString(kv[0]);
            var val = kv.Length == 2 ? Uri.UnescapeDataString(kv[1]) : "";
            try
            {
                b[key] = val;
            }
            catch (ArgumentException)
            {
                throw new FormatException($"DATABASE_URL has an unknown or invalid parameter '{key}'");
            }
        }

        return b;
    }
}
