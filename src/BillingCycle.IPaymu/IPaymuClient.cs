using System.Text.Json;
using BillingCycle.IPaymu.Models;

namespace BillingCycle.IPaymu;

/// <summary>
/// iPaymu API v2. Every method throws <see cref="IPaymuRejectedException"/> when iPaymu said no
/// and <see cref="IPaymuUnavailableException"/> when it could not be asked or did not answer usably.
/// </summary>
public interface IPaymuClient
{
    /// <summary>Creates a hosted payment page. Never retried: a repeat could create a second payment.</summary>
    Task<RedirectPaymentResult> CreateRedirectPaymentAsync(RedirectPaymentRequest request, CancellationToken ct = default);

    /// <summary>Creates a payment on one channel. Never retried.</summary>
    Task<DirectPaymentResult> CreateDirectPaymentAsync(DirectPaymentRequest request, CancellationToken ct = default);

    Task<TransactionStatus> CheckTransactionAsync(string transactionId, CancellationToken ct = default);

    Task<HistoryPage> GetHistoryAsync(HistoryQuery query, CancellationToken ct = default);

    Task<BalanceResult> GetBalanceAsync(CancellationToken ct = default);

    Task<JsonElement> GetPaymentChannelsAsync(CancellationToken ct = default);
}
