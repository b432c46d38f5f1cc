namespace BillingCycle.Api.Invoices;

/// <summary>
/// The words a paid invoice needs to read as a receipt (Kuitansi), and an open one to say by when
/// and how it can be paid, in Bahasa Indonesia and English. iPaymu's redirect page lets the
/// customer choose among the methods active on the seller's account (the service sends no
/// paymentMethod): virtual accounts, QRIS, e-wallets and convenience stores.
/// </summary>
public sealed record PayPageExtras(
    string Receipt, string PaidAt, string TransactionId, string PaidWith, string PayBy, string Channels, string ChannelList)
{
    public static readonly PayPageExtras Indonesian = new("Kuitansi", "Dibayar pada", "ID transaksi iPaymu", "Metode pembayaran",
        "Bayar sebelum", "Cara bayar",
        "Di halaman iPaymu: Virtual Account bank (BCA, BNI, BRI, Mandiri, dan lainnya), QRIS, e-wallet (DANA, ShopeePay) atau gerai Alfamart/Indomaret.");

    public static readonly PayPageExtras English = new("Receipt", "Paid at", "iPaymu transaction ID", "Paid with",
        "Pay by", "How to pay",
        "On iPaymu's page: bank virtual account (BCA, BNI, BRI, Mandiri and others), QRIS, e-wallet (DANA, ShopeePay) or an Alfamart/Indomaret store.");

    /// <summary>"Virtual Account BCA", "QRIS", "DANA": iPaymu's method and channel codes as a customer reads them.</summary>
    public static string? Method(string? method, string? channel)
    {
        var m = method?.Trim().ToLowerInvariant();
        var c = channel?.Trim();
        return m switch
        {
            null or "" => string.IsNullOrEmpty(c) ? null : c.ToUpperInvariant(),
            "va" => string.IsNullOrEmpty(c) ? "Virtual Account" : $"Virtual Account {c.ToUpperInvariant()}",
            "qris" => "QRIS",
            "cc" => "Kartu kredit / credit card",
            _ => string.IsNullOrEmpty(c) ? m.ToUpperInvariant() : c.ToLowerInvariant() switch
            {
                "dana" => "DANA",
                "shopeepay" => "ShopeePay",
                "alfamart" => "Alfamart",
                "indomaret" => "Indomaret",
                _ => c.ToUpperInvariant(),
            },
        };
    }
}
