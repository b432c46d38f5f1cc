using BillingCycle.IPaymu.StandIn;

var app = StandInApp.Build(args);
await app.RunAsync();
