using System.Text.RegularExpressions;
using BillingCycle.Api.Infrastructure;

namespace BillingCycle.Api.Deliveries.Email;

/// <summary>One wording of an in-app notification: title and message with {value} placeholders.</summary>
public sealed record NotificationText(string Type, string Variant, string Title, string Message);

/// <summary>
/// Reads a type file's notification captures. SQL fills them inside the transaction that writes
/// the notification, so they may hold only words and {{ value }} (a value the email may show
/// too, EmailModel); a tag, a filter or an unknown value stops the service at start-up.
/// </summary>
public static partial class NotificationCaptures
{
    private static readonly HashSet<string> Known = new EmailModel(
        "", null, null, null, null, null, null, null, null, null, "", null, "", "").Values().Keys.ToHashSet(StringComparer.Ordinal);

    public static IEnumerable<NotificationText> Read(string type, string source)
    {
        var captures = Capture().Matches(source).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value, StringComparer.Ordinal);
        foreach (var (name, body) in captures.Where(c => c.Key.StartsWith("notification_title", StringComparison.Ordinal)))
        {
            var variant = name["notification_title".Length..].TrimStart('_');
            var messageName = variant.Length == 0 ? "notification_message" : "notification_message_" + variant;
            if (!captures.TryGetValue(messageName, out var message))
            {
                throw new StartupException($"email template {type}.liquid has {name} without {messageName}");
            }
            yield return new NotificationText(type, variant, Placeholders(type, body), Placeholders(type, message));
        }
    }

    private static string Placeholders(string type, string body)
    {
        var text = Value().Replace(body.Trim(), m => Known.Contains(m.Groups[1].Value)
            ? "{" + m.Groups[1].Value + "}"
            : throw new StartupException($"email template {type}.liquid: a notification capture shows {m.Groups[1].Value}, which is no value"));
        return text.Contains("{{", StringComparison.Ordinal) || text.Contains("{%", StringComparison.Ordinal)
            ? throw new StartupException($"email template {type}.liquid: a notification capture may hold only words and {{{{ value }}}}")
            : text;
    }

    [GeneratedRegex(@"\{%-?\s*capture\s+(notification_(?:title|message)\w*)\s*-?%\}(.*?)\{%-?\s*endcapture\s*-?%\}", RegexOptions.Singleline)]
    private static partial Regex Capture();

    [GeneratedRegex(@"\{\{-?\s*([a-z_]+)\s*-?\}\}")]
    private static partial Regex Value();
}
