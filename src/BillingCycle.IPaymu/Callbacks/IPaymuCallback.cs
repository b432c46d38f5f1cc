using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.WebUtilities;

namespace BillingCycle.IPaymu.Callbacks;

/// <summary>
/// A payment callback as iPaymu posts it to notifyUrl. Every field is kept, known or not, in the
/// order received, as text (JSON arrays and objects keep their JSON text), so that the signature
/// can be recomputed and the raw event stored. A JSON body also keeps each value as JSON: its
/// signature covers native numbers, booleans and nulls as they came.
/// </summary>
public sealed class IPaymuCallback
{
    private readonly Dictionary<string, string?> _byName;
    private readonly IReadOnlyDictionary<string, JsonElement>? _json;

    /// <param name="fields">Names and values, in the order received.</param>
    /// <param name="jsonValues">For a JSON body: each field's JSON value (the last one of a repeated name).</param>
    public IPaymuCallback(IReadOnlyList<KeyValuePair<string, string?>> fields, IReadOnlyDictionary<string, JsonElement>? jsonValues = null)
    {
        _json = jsonValues;
        Fields = fields = [.. fields.Select(f => new KeyValuePair<string, string?>(SafeText.Clean(f.Key), f.Value is null ? null : SafeText.Clean(f.Value)))];
        _byName = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var (k, v) in fields)
        {
            _byName[k] = v; // a repeated key: the last one wins, as in PHP's $_POST
        }
    }

    public IReadOnlyList<KeyValuePair<string, string?>> Fields { get; }

    public IReadOnlyDictionary<string, string?> ByName => _byName;

    public string? this[string name] => _byName.TryGetValue(name, out var v) ? v : null;

    /// <summary>True when the body was JSON: <see cref="TryGetJson"/> gives each field's JSON value.</summary>
    public bool IsJson => _json is not null;

    public bool TryGetJson(string name, out JsonElement value)
    {
        if (_json is not null && _json.TryGetValue(name, out value))
        {
            return true;
        }
        value = default;
        return false;
    }

    public string? TrxId => Blank(this["trx_id"]);
    public string? SessionId => Blank(this["sid"]);
    public string? ReferenceId => Blank(this["reference_id"]);
    public string? Status => Blank(this["status"]);
    public string? StatusCode => Blank(this["status_code"]);
    public long? Amount => Number(this["amount"]) ?? Number(this["total"]);
    public long? Fee => Number(this["fee"]);

    /// <summary>Parses a form-urlencoded or JSON body; null when it is neither.</summary>
    public static IPaymuCallback? Parse(string body, string? contentType)
    {
        var text = body.Trim();
        var looksJson = text.StartsWith('{');
        if (contentType?.Contains("json", StringComparison.OrdinalIgnoreCase) == true || looksJson)
        {
            return ParseJson(text);
        }
        return ParseForm(text);
    }

    public static IPaymuCallback? ParseForm(string body)
    {
        var fields = new List<KeyValuePair<string, string?>>();
        var reader = new FormReader(body);
        try
        {
            foreach (var (k, v) in reader.ReadForm())
            {
                foreach (var value in v)
                {
                    fields.Add(new(k, value));
                }
            }
        }
        catch (InvalidDataException)
        {
            return null;
        }
        return fields.Count == 0 ? null : new IPaymuCallback(fields);
    }

    public static IPaymuCallback? ParseJson(string body)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (JsonException)
        {
            return null;
        }
        try
        {
            return FromJson(doc);
        }
        catch (InvalidOperationException)
        {
            return null; // a string escape that is not valid UTF-16 (for example a lone \ud800)
        }
    }

    private static IPaymuCallback? FromJson(JsonDocument doc)
    {
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                return null;
            }
            var fields = new List<KeyValuePair<string, string?>>();
            var json = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
            foreach (var p in doc.RootElement.EnumerateObject())
            {
                json[SafeText.Clean(p.Name)] = p.Value.Clone();
                string? value = p.Value.ValueKind switch
                {
                    JsonValueKind.String => p.Value.GetString(),
                    JsonValueKind.Null => null,
                    JsonValueKind.True => "true",
                    JsonValueKind.False => "false",
                    _ => p.Value.GetRawText(),
                };
                fields.Add(new(p.Name, value));
            }
            return new IPaymuCallback(fields, json);
        }
    }

    /// <summary>The fields as a JSON object, for storage in webhook_events.payload.</summary>
    public string ToJson()
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms))
        {
            w.WriteStartObject();
            foreach (var (k, v) in _byName)
            {
                if (v is null)
                {
                    w.WriteNull(k);
                }
                else
                {
                    w.WriteString(k, v);
                }
            }
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(ms.ToArray());
    }

    private static string? Blank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();

    private static long? Number(string? s)
    {
        if (string.IsNullOrWhiteSpace(s))
        {
            return null;
        }
        if (long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var l))
        {
            return l;
        }
        // iPaymu sometimes sends "102000.00".
        return decimal.TryParse(s, NumberStyles.Number, CultureInfo.InvariantCulture, out var d) && d == decimal.Truncate(d)
            ? (long)d
            : null;
    }
}
