namespace BillingCycle.Api.Tax;

/// <summary>
/// A tax month: a calendar month in Asia/Jakarta time (contract §12.4), as the faktur counts it.
/// The boundaries are computed by the queries that read it, in the database's time zone rules.
/// </summary>
public readonly record struct TaxMonth(int Year, int Month);
