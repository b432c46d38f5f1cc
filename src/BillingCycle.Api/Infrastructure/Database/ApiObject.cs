using System.Text.Json;
using Npgsql;

namespace BillingCycle.Api.Infrastructure.Database;

/// <summary>
/// Reads an object the database built as the API's JSON (db/functions/api_objects.sql): the one
/// definition of each shape, shared with the events sent to the web app (contract §15.1). The C#
/// record it lands in is the typed view the handlers and the OpenAPI document use; the event
/// contract test fails if the two ever say different things.
/// </summary>
public static class ApiObject
{
    private static readonly JsonSerializerOptions Options = Create();

    public static T Read<T>(NpgsqlDataReader r, int ordinal) =>
        JsonSerializer.Deserialize<T>(r.GetString(ordinal), Options)
        ?? throw new InvalidOperationException($"column {ordinal} held no {typeof(T).Name}");

    private static JsonSerializerOptions Create()
    {
        var o = new JsonSerializerOptions();
        PlatformExtensions.Configure(o);
        return o;
    }
}
