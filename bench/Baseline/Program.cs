using Npgsql;

// The ceiling for one HTTP request that does one database write: the same Kestrel, the same
// Npgsql, no auth, no validation, no logging per request. The bench measures the service's
// endpoints as a ratio to this, driven by the same load generator at the same concurrency.
var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
var url = builder.Configuration["DATABASE_URL"] ?? throw new InvalidOperationException("DATABASE_URL is required");
builder.Services.AddSingleton(NpgsqlDataSource.Create(url));

var app = builder.Build();
var db = app.Services.GetRequiredService<NpgsqlDataSource>();
await using (var create = db.CreateCommand(
    "CREATE TABLE IF NOT EXISTS bench_baseline (id bigserial PRIMARY KEY, payload text NOT NULL, created_at timestamptz NOT NULL DEFAULT now())"))
{
    await create.ExecuteNonQueryAsync();
}

app.MapGet("/health", () => Results.Ok());
app.MapPost("/baseline", async (HttpRequest request, NpgsqlDataSource ds) =>
{
    using var reader = new StreamReader(request.Body);
    var payload = await reader.ReadToEndAsync();
    await using var cmd = ds.CreateCommand("INSERT INTO bench_baseline (payload) VALUES ($1) RETURNING id");
    cmd.Parameters.Add(new() { Value = payload });
    var id = (long)(await cmd.ExecuteScalarAsync())!;
    return Results.Ok(new { id });
});
await app.RunAsync();
