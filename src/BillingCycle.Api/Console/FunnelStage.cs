namespace BillingCycle.Api.Console;

/// <summary>One bar of the funnel chart and one row of its table.</summary>
public sealed record FunnelStage(string Key, string Label, long Value, string Colour);
