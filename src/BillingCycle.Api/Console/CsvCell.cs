namespace BillingCycle.Api.Console;

/// <summary>
/// One CSV cell made safe for a spreadsheet (OWASP, CSV injection): a cell that could be read as
/// a formula is prefixed with a single quote. That is a cell starting with = + - @ (or their
/// fullwidth forms, which some spreadsheets fold), or with tab, carriage return, line feed or NUL,
/// or with spaces before any of these (spreadsheets trim them). Quoting is the CSV writer's.
/// </summary>
public static class CsvCell
{
    public static string Neutralise(string value)
    {
        var first = value.AsSpan().TrimStart(' ');
        return first.Length > 0 && (Risky(value[0]) || Risky(first[0])) ? "'" + value : value;
    }

    private static bool Risky(char c) => c is '=' or '+' or '-' or '@' or '\t' or '\r' or '\n' or '\0'
        or '＝' or '＋' or '－' or '＠';
}
