using BillingCycle.Api.Infrastructure.Time;
using BillingCycle.Api.Portal.Pages;
using BillingCycle.Api.Tax;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace BillingCycle.Api.Portal.Handlers;

/// <summary>
/// /portal/billing-details: the form of contract §12.2. The fields are checked by the API's own
/// rules (BillingDetailsInput.Check) and stored by its store; a refusal is shown beside its field.
/// </summary>
public static class BillingDetailsHandlers
{
    public static readonly string[] Fields = ["name", "email", "address", "tax_id_type", "tax_id", "nitku"];

    public static async Task<RazorComponentResult<BillingDetailsPage>> Show([AsParameters] PortalRequest request, BillingDetailsStore store,
        [FromQuery] string? done)
    {
        var d = await store.GetAsync(request.UserId, request.Cancellation);
        return Page(request.View(done), new Dictionary<string, string?>
        {
            ["name"] = d.Name, ["email"] = d.Email, ["address"] = d.Address, ["tax_id_type"] = d.TaxIdType, ["tax_id"] = d.TaxId, ["nitku"] = d.Nitku,
        }, null, 200);
    }

    public static async Task<Results<PortalRedirect, RazorComponentResult<BillingDetailsPage>, RazorComponentResult<PortalMessagePage>>> Save(
        [AsParameters] PortalRequest request, BillingDetailsStore store, BillingClock clock)
    {
        var form = await request.Http.Request.ReadFormAsync(request.Cancellation);
        var values = Fields.ToDictionary(f => f, f => (string?)form[f].ToString().Trim());
        var input = BillingDetailsInput.Check(null, values["name"], values["email"], values["address"],
            values["tax_id_type"] is "none" ? null : values["tax_id_type"], values["tax_id"], values["nitku"]);
        if (input.Error is not null)
        {
            return Page(request.View(), values, input.Field ?? "tax_id", 400);
        }
        if (await store.PutAsync(request.UserId, input, clock.UtcNow, request.Cancellation) is null)
        {
            return OverviewHandlers.Refused(request, 404, "error.user_id");
        }
        return PortalRedirect.Local($"{PortalRoutes.BillingDetails}?done=saved");
    }

    private static RazorComponentResult<BillingDetailsPage> Page(PortalView view, Dictionary<string, string?> values, string? errorField, int status) =>
        PortalPage.Render<BillingDetailsPage>(new { View = view, Values = values, ErrorField = errorField }, status);
}
