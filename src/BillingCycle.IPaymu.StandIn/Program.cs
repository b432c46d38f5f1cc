var app = WebApplication.CreateBuilder(args).Build();
app.MapGet("/", () => "iPaymu stand-in");
app.Run();
