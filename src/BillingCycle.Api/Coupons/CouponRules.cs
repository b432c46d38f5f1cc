using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.RegularExpressions;
using BillingCycle.Api.Infrastructure.Http;

namespace BillingCycle.Api.Coupons;

/// <summary>A refused field: its message and stable code (contract, "Error codes").</summary>
public sealed record CouponRefusal(string Message, string Code);

/// <summary>
/// The fields of a coupon as typed (JSON values or form text, both as strings here), checked once
/// for the API and the console alike. The database's CHECK constraints hold the same limits; these
/// checks only turn a mistake into its 400 before it gets there.
/// </summary>
public static partial class CouponRules
{
    public const int MaxCodeLength = 64;
    public const int MaxNameLength = 200;

    // {1,64}: MaxCodeLength. \z, not $: $ also matches before a final newline, which let "REAL\n" through.
    [GeneratedRegex(@"^[A-Za-z0-9_-]{1,64}\z")]
    private static partial Regex CodeShape();

    /// <summary>A coupon code's shape, the one rule for creating one and for redeeming one (checkout, the live subscription).</summary>
    public static bool IsCode([NotNullWhen(true)] string? code) => code is not null && CodeShape().IsMatch(code);

    public static (CouponSpec? Spec, CouponRefusal? Refusal) Check(
        string? code, string? name, string? percentOff, string? amountOff, string? duration, string? durationInPeriods,
        string? maxRedemptions, string? redeemBy, IReadOnlyList<string>? planIds, DateTimeOffset now)
    {
        if (!IsCode(code))
        {
            return Refuse($"code must be 1 to {MaxCodeLength} letters, digits, '-' or '_'", ErrorCodes.InvalidCouponCode);
        }
        var trimmed = name?.Trim();
        if (string.IsNullOrEmpty(trimmed) || trimmed.Length > MaxNameLength || trimmed.Any(char.IsControl))
        {
            return Refuse($"name must be 1 to {MaxNameLength} characters", ErrorCodes.InvalidRequest);
        }
        if (Blank(percentOff) == Blank(amountOff))
        {
            return Refuse("give exactly one of percent_off and amount_off", ErrorCodes.InvalidDiscount);
        }
        int? percent = null;
        long? amount = null;
        if (!Blank(percentOff))
        {
            if (!int.TryParse(percentOff, NumberStyles.None, CultureInfo.InvariantCulture, out var p) || p is < 1 or > 100)
            {
                return Refuse("percent_off must be a whole number from 1 to 100", ErrorCodes.InvalidPercentOff);
            }
            percent = p;
        }
        else
        {
            if (!long.TryParse(amountOff, NumberStyles.None, CultureInfo.InvariantCulture, out var a) || a is < 1 or > 1_000_000_000)
            {
                return Refuse("amount_off must be a whole number of rupiah from 1 to 1,000,000,000", ErrorCodes.InvalidAmountOff);
            }
            amount = a;
        }
        if (duration is not ("once" or "repeating" or "forever"))
        {
            return Refuse("duration must be once, repeating or forever", ErrorCodes.InvalidDuration);
        }
        int? periods = null;
        if (duration == "repeating")
        {
            if (!int.TryParse(durationInPeriods, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n is < 1 or > 1200)
            {
                return Refuse("a repeating coupon needs duration_in_periods, a whole number from 1 to 1200", ErrorCodes.InvalidDuration);
            }
            periods = n;
        }
        else if (!Blank(durationInPeriods))
        {
            return Refuse("duration_in_periods belongs to a repeating coupon only", ErrorCodes.InvalidDuration);
        }
        int? max = null;
        if (!Blank(maxRedemptions))
        {
            if (!int.TryParse(maxRedemptions, NumberStyles.None, CultureInfo.InvariantCulture, out var m) || m < 1)
            {
                return Refuse("max_redemptions must be a whole number, at least 1", ErrorCodes.InvalidRequest);
            }
            max = m;
        }
        DateTimeOffset? by = null;
        if (!Blank(redeemBy))
        {
            if (!DateTimeOffset.TryParse(redeemBy, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var b) || b <= now)
            {
                return Refuse("redeem_by must be a time in the future", ErrorCodes.InvalidRedeemBy);
            }
            by = b.ToUniversalTime();
        }
        Guid[]? plans = null;
        if (planIds is not null)
        {
            plans = new Guid[planIds.Count];
            for (var i = 0; i < planIds.Count; i++)
            {
                if (!Guid.TryParse(planIds[i], out plans[i]))
                {
                    return Refuse("plan_ids must be ids of plans", ErrorCodes.InvalidPlan);
                }
            }
        }
        return (new CouponSpec(code, trimmed, percent, amount, duration, periods, max, by, plans), null);
    }

    private static bool Blank(string? s) => string.IsNullOrWhiteSpace(s);

    private static (CouponSpec?, CouponRefusal?) Refuse(string message, string code) => (null, new CouponRefusal(message, code));
}
