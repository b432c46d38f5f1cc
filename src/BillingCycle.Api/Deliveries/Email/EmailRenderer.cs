using System.Text.Encodings.Web;
using System.Text.RegularExpressions;
using BillingCycle.Api.Infrastructure;
using Fluid;
using Fluid.Values;

namespace BillingCycle.Api.Deliveries.Email;

/// <summary>An email ready to send.</summary>
public sealed record RenderedEmail(string Subject, string Html, string Text);

/// <summary>
/// Renders a notification's email from the Liquid templates in Deliveries/Email/Templates/ (one
/// file per notification type and locale, plus an HTML and a plain-text layout), with Fluid.
/// A type file captures subject, heading, html, text and action_label; it is rendered twice, once
/// with the HTML encoder (every value HTML-encoded) for the HTML layout and once unencoded for the
/// subject and plain text. A type without its own file uses _fallback (the notification's own
/// title and message). Every template is parsed at start-up: a broken one stops the service.
/// </summary>
public sealed partial class EmailRenderer
{
    public const string Fallback = "_fallback";
    private const string HtmlLayout = "_layout.html";
    private const string TextLayout = "_layout.txt";

    private static readonly TemplateOptions Options = new();
    private readonly Dictionary<string, IFluidTemplate> _templates;
    private readonly Dictionary<string, string> _sources;

    private EmailRenderer(Dictionary<string, IFluidTemplate> templates, Dictionary<string, string> sources)
    {
        _templates = templates;
        _sources = sources;
    }

    /// <summary>
    /// The in-app notification texts of every type in a locale: each type file's
    /// notification_title[_variant] and notification_message[_variant] captures, with each
    /// {{ value }} turned into a {value} placeholder that SQL fills (db/functions/notify.sql).
    /// </summary>
    public IReadOnlyList<NotificationText> NotificationTexts(EmailLocale locale) =>
        Types(locale).SelectMany(type => NotificationCaptures.Read(type, _sources[$"{Folder(locale)}/{type}"])).ToList();

    /// <summary>Notification types with their own template in each locale.</summary>
    public IEnumerable<string> Types(EmailLocale locale) => _templates.Keys
        .Where(k => k.StartsWith(Folder(locale) + "/", StringComparison.Ordinal))
        .Select(k => k[(Folder(locale).Length + 1)..])
        .Where(k => !k.StartsWith('_'))
        .Order(StringComparer.Ordinal);

    public static EmailRenderer LoadEmbedded()
    {
        var asm = typeof(EmailRenderer).Assembly;
        var parser = new FluidParser();
        var templates = new Dictionary<string, IFluidTemplate>(StringComparer.Ordinal);
        var sources = new Dictionary<string, string>(StringComparer.Ordinal);
        const string Prefix = "email-templates/";
        foreach (var name in asm.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)))
        {
            using var stream = asm.GetManifestResourceStream(name)!;
            using var reader = new StreamReader(stream);
            var source = reader.ReadToEnd();
            var key = name[Prefix.Length..].Replace('\\', '/');
            key = key.EndsWith(".liquid", StringComparison.Ordinal) ? key[..^".liquid".Length] : key;
            if (!parser.TryParse(source, out var template, out var error))
            {
                throw new StartupException($"email template {key}.liquid does not parse: {error}");
            }
            templates[key] = template;
            sources[key] = source;
        }
        foreach (var locale in Enum.GetValues<EmailLocale>())
        {
            foreach (var required in new[] { HtmlLayout, TextLayout, Fallback })
            {
                if (!templates.ContainsKey($"{Folder(locale)}/{required}"))
                {
                    throw new StartupException($"email template {Folder(locale)}/{required}.liquid is missing");
                }
            }
        }
        var renderer = new EmailRenderer(templates, sources);
        foreach (var locale in Enum.GetValues<EmailLocale>())
        {
            _ = renderer.NotificationTexts(locale); // a broken notification capture stops the service too
        }
        return renderer;
    }

    public RenderedEmail Render(string type, EmailLocale locale, EmailModel model)
    {
        var folder = Folder(locale);
        var body = _templates.TryGetValue($"{folder}/{type}", out var own) ? own : _templates[$"{folder}/{Fallback}"];

        // Not isolated: the captures must stay readable in the context after rendering.
        var html = Context(model);
        body.Render(html, HtmlEncoder.Default, isolateContext: false);
        var plain = Context(model);
        body.Render(plain, NullEncoder.Default, isolateContext: false);

        var subject = OneLine(Captured(plain, "subject") is { Length: > 0 } s ? s : model.Title);
        var layoutHtml = Context(model);
        layoutHtml.SetValue("subject", new StringValue(subject));
        layoutHtml.SetValue("heading", new StringValue(Captured(plain, "heading") ?? subject));
        layoutHtml.SetValue("content", new StringValue(Captured(html, "html") ?? ""));
        layoutHtml.SetValue("action_label", new StringValue(Captured(plain, "action_label") ?? ""));
        var layoutText = Context(model);
        layoutText.SetValue("subject", new StringValue(subject));
        layoutText.SetValue("heading", new StringValue(Captured(plain, "heading") ?? subject));
        layoutText.SetValue("content", new StringValue(Captured(plain, "text") ?? ""));
        layoutText.SetValue("action_label", new StringValue(Captured(plain, "action_label") ?? ""));

        return new RenderedEmail(
            subject,
            _templates[$"{folder}/{HtmlLayout}"].Render(layoutHtml, HtmlEncoder.Default),
            Tidy(_templates[$"{folder}/{TextLayout}"].Render(layoutText, NullEncoder.Default)));
    }

    private static TemplateContext Context(EmailModel model)
    {
        var context = new TemplateContext(Options);
        foreach (var (name, value) in model.Values())
        {
            context.SetValue(name, value switch
            {
                null => NilValue.Instance,
                int i => NumberValue.Create(i),
                _ => new StringValue(value.ToString() ?? ""),
            });
        }
        return context;
    }

    private static string? Captured(TemplateContext context, string name)
    {
        var value = context.GetValue(name);
        return value.IsNil() ? null : value.ToStringValue().Trim();
    }

    private static string OneLine(string s) => Whitespace().Replace(s, " ").Trim();

    /// <summary>Plain text without the blank-line runs that template tags leave behind.</summary>
    private static string Tidy(string s) => BlankLines().Replace(s.Replace("\r\n", "\n", StringComparison.Ordinal), "\n\n").Trim() + "\n";

    private static string Folder(EmailLocale locale) => locale == EmailLocale.Indonesian ? "id" : "en";

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    [GeneratedRegex(@"\n[ \t]*(\n[ \t]*)+\n")]
    private static partial Regex BlankLines();
}
