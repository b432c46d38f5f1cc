namespace BillingCycle.IPaymu.StandIn;

public static class StandInProgram
{
    public static async Task Main(string[] args)
    {
        var app = StandInApp.Build(args);
        await app.RunAsync();
    }
}
