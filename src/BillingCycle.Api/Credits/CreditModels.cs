namespace BillingCycle.Api.Credits;

public enum CreditType
{
    Interaction,
    Scraper,
}

/// <summary>A validated reset/add request.</summary>
public sealed record CreditChangeRequest(long Amount, string? ReferenceId, string? Description, string? UserId);

/// <summary>Answer of POST /api/credits/interaction/reset (the seed's shape).</summary>
public sealed record CreditResetAnswer(bool Success, Guid TransactionId, long AmountReset, long NewBalance, string Message);

/// <summary>Answer of POST /api/credits/scraper/add (the seed's shape).</summary>
public sealed record CreditAddAnswer(bool Success, Guid TransactionId, long AmountAdded, long NewBalance, string Message);

public sealed record CreditBalanceAnswer(string UserId, long Interaction, long Scraper);

public sealed record CreditConsumeAnswer(Guid TransactionId, long NewBalance);

/// <summary>One ledger row; seq is its place in the (user, credit type) ledger (contract §10.5).</summary>
public sealed record CreditTransactionItem(
    Guid Id, string CreditType, string Kind, long Amount, long BalanceAfter, string? ReferenceId, string? Description,
    DateTimeOffset CreatedAt, long Seq);

/// <summary>Where a ledger page ended: the (created_at, seq, credit_type) of its last row.</summary>
public sealed record LedgerCursor(DateTimeOffset At, long Seq, string CreditType);

public sealed record CreditTransactionsAnswer(IReadOnlyList<CreditTransactionItem> Transactions, string? NextCursor);

/// <summary>The outcome of one applied (or replayed) credit change.</summary>
public sealed record CreditChange(Guid TransactionId, long NewBalance, bool Replayed);

public sealed class CreditsOptions
{
    /// <summary>CREDITS_SELF_SERVICE: any signed-in user may reset/add their own credits.</summary>
    public bool SelfService { get; set; }
}
