using BillingCycle.Api.Infrastructure;
using MailKit.Security;
using MimeKit;

namespace BillingCycle.Api.Deliveries.Email;

/// <summary>Where and how email goes (contract §8.2): SMTP_URL, EMAIL_FROM, BILLING_LOCALE, parsed once at start-up.</summary>
public sealed class EmailOptions
{
    /// <summary>Null when SMTP_URL is unset: no email is queued.</summary>
    public SmtpEndpoint? Smtp { get; init; }

    public MailboxAddress? From { get; init; }

    public EmailLocale Locale { get; init; } = EmailLocale.Indonesian;

    /// <summary>The web app (APP_URL), for emails that have no invoice to pay (a reminder, a cancellation).</summary>
    public Uri? AppUrl { get; init; }

    public bool Enabled => Smtp is not null;

    /// <summary>
    /// The company the footer names: BILLING_SELLER_NAME as the pay page and the PDF print it
    /// (its length and characters are checked at start-up with the seller's other settings).
    /// </summary>
    public string SellerName { get; init; } = "BillingCycle";

    /// <summary>BILLING_SUPPORT_EMAIL: where the footer tells a customer to write; none, no line.</summary>
    public string? SupportEmail { get; init; }

    /// <param name="production">Production: a user and password go over TLS only (smtps:// or starttls=true).</param>
    public static EmailOptions FromConfiguration(IConfiguration c, bool production = false)
    {
        var locale = (c["BILLING_LOCALE"] ?? "id").Trim().ToLowerInvariant() switch
        {
            "" or "id" => EmailLocale.Indonesian,
            "en" => EmailLocale.English,
            _ => throw new StartupException("BILLING_LOCALE must be id or en"),
        };
        var appUrl = c["APP_URL"] ?? c["NEXT_PUBLIC_APP_URL"];
        var app = Uri.TryCreate(appUrl?.Trim(), UriKind.Absolute, out var u) ? u : null;
        var seller = string.IsNullOrWhiteSpace(c["BILLING_SELLER_NAME"]) ? "BillingCycle" : c["BILLING_SELLER_NAME"]!.Trim();
        var support = SupportAddress(c["BILLING_SUPPORT_EMAIL"]);
        if (string.IsNullOrWhiteSpace(c["SMTP_URL"]))
        {
            return new EmailOptions { Locale = locale, AppUrl = app, SellerName = seller, SupportEmail = support };
        }
        var smtp = SmtpEndpoint.Parse(c["SMTP_URL"]!);
        if (production && smtp.User is not null && smtp.Security == SecureSocketOptions.None)
        {
            // AUTH over a plain connection hands the password to anyone on the path (contract §10.4).
            throw new StartupException(
                "SMTP_URL has a user and password but no TLS: in Production use smtps://…:465 or smtp://…:587?starttls=true");
        }
        if (string.IsNullOrWhiteSpace(c["EMAIL_FROM"]) || !MailboxAddress.TryParse(c["EMAIL_FROM"]!.Trim(), out var from)
            || !from.Address.Contains('@', StringComparison.Ordinal))
        {
            throw new StartupException("EMAIL_FROM must be an address such as \"Billing <billing@example.com>\" when SMTP_URL is set");
        }
        return new EmailOptions { Smtp = smtp, From = from, Locale = locale, AppUrl = app, SellerName = seller, SupportEmail = support };
    }

    private static string? SupportAddress(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }
        var address = value.Trim();
        return MailboxAddress.TryParse(address, out var m) && m.Address == address && address.Contains('@', StringComparison.Ordinal)
            ? address
            : throw new StartupException("BILLING_SUPPORT_EMAIL must be one email address, e.g. support@example.co.id");
    }
}

public enum EmailLocale
{
    Indonesian,
    English,
}

/// <summary>
/// SMTP_URL: smtp://user:pass@host:port (plain, port 25), smtp://…?starttls=true (STARTTLS
/// required, port 587) or smtps://… (TLS from the start, port 465). User and password are
/// URL-decoded; <see cref="Describe"/> never shows them.
/// </summary>
public sealed record SmtpEndpoint(string Host, int Port, SecureSocketOptions Security, string? User, string? Password)
{
    public string Describe() => $"{(Security == SecureSocketOptions.SslOnConnect ? "smtps" : "smtp")}://{Host}:{Port}"
        + (Security == SecureSocketOptions.StartTls ? " (STARTTLS)" : "");

    public static SmtpEndpoint Parse(string value)
    {
        const string Shape = "SMTP_URL must look like smtp://user:pass@host:587?starttls=true or smtps://user:pass@host:465";
        if (!Uri.TryCreate(value.Trim(), UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host)
            || (uri.Scheme != "smtp" && uri.Scheme != "smtps"))
        {
            throw new StartupException(Shape);
        }
        var starttls = false;
        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var kv = pair.Split('=', 2);
            if (!string.Equals(kv[0], "starttls", StringComparison.OrdinalIgnoreCase)
                || !bool.TryParse(kv.Length == 2 ? kv[1] : "", out starttls))
            {
                throw new StartupException("SMTP_URL takes one option, starttls=true|false");
            }
        }
        if (uri.Scheme == "smtps" && starttls)
        {
            throw new StartupException("SMTP_URL: smtps:// is TLS from the start; starttls=true is for smtp://");
        }
        var security = uri.Scheme == "smtps" ? SecureSocketOptions.SslOnConnect
            : starttls ? SecureSocketOptions.StartTls : SecureSocketOptions.None;
        var port = uri.IsDefaultPort || uri.Port <= 0
            ? security switch { SecureSocketOptions.SslOnConnect => 465, SecureSocketOptions.StartTls => 587, _ => 25 }
            : uri.Port;
        string? user = null, password = null;
        if (!string.IsNullOrEmpty(uri.UserInfo))
        {
            var parts = uri.UserInfo.Split(':', 2);
            user = Uri.UnescapeDataString(parts[0]);
            password = parts.Length == 2 ? Uri.UnescapeDataString(parts[1]) : null;
        }
        return new SmtpEndpoint(uri.IdnHost, port, security, string.IsNullOrEmpty(user) ? null : user, password);
    }

    // The record's generated ToString would print the password.
    public override string ToString() => Describe();
}
