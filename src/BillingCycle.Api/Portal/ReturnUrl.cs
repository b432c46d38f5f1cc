namespace BillingCycle.Api.Portal;

/// <summary>
/// return_url must lead back into the web app (contract §14: it starts with APP_URL). Compared as
/// parsed URLs, never as string prefixes alone: same scheme, host and port as APP_URL, no user
/// information (APP_URL followed by "@evil.example" parses as a login on evil.example), and a
/// path under APP_URL's path. javascript:, data: and relative URLs fail the absolute http(s) parse.
/// </summary>
public static class ReturnUrl
{
    public const int MaxLength = 2000;

    public static bool IsAllowed(string? candidate, Uri? appUrl)
    {
        if (appUrl is null || string.IsNullOrWhiteSpace(candidate) || candidate.Length > MaxLength
            || candidate.Any(char.IsControl) || candidate.Contains('\\', StringComparison.Ordinal))
        {
            return false;
        }
        if (!Uri.TryCreate(candidate, UriKind.Absolute, out var u) || (u.Scheme != Uri.UriSchemeHttp && u.Scheme != Uri.UriSchemeHttps))
        {
            return false;
        }
        if (u.UserInfo.Length > 0 || candidate.Contains('@', StringComparison.Ordinal) && u.Authority.Contains('@', StringComparison.Ordinal))
        {
            return false;
        }
        var basePath = appUrl.AbsolutePath.EndsWith('/') ? appUrl.AbsolutePath : appUrl.AbsolutePath + "/";
        return string.Equals(u.Scheme, appUrl.Scheme, StringComparison.OrdinalIgnoreCase)
               && string.Equals(u.IdnHost, appUrl.IdnHost, StringComparison.OrdinalIgnoreCase)
               && u.Port == appUrl.Port
               && (u.AbsolutePath + "/").StartsWith(basePath, StringComparison.Ordinal)
               && candidate.StartsWith(appUrl.GetLeftPart(UriPartial.Authority), StringComparison.OrdinalIgnoreCase);
    }
}
