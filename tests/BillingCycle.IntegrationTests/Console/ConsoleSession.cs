using System.Net;
using System.Text.RegularExpressions;
using BillingCycle.IntegrationTests.Infrastructure;
using Microsoft.AspNetCore.Mvc.Testing;

namespace BillingCycle.IntegrationTests.Console;

/// <summary>
/// A browser-like client of the console on the in-process app: keeps cookies (the __session
/// cookie and the antiforgery cookie), follows no redirects, and posts forms with the antiforgery
/// token read from the page that shows the form, as a browser would.
/// </summary>
public sealed partial class ConsoleSession(HttpClient http) : IDisposable
{
    public HttpClient Http { get; } = http;

    public static ConsoleSession Anonymous(ApiFactory api) =>
        new(api.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true }));

    /// <summary>Pastes the token once into the sign-in form, as an operator does; the cookie carries it afterwards.</summary>
    public static async Task<ConsoleSession> SignInAsync(ApiFactory api, string token)
    {
        var s = Anonymous(api);
        using var res = await s.PostSignInAsync(token);
        Assert.Equal(HttpStatusCode.SeeOther, res.StatusCode);
        return s;
    }

    /// <summary>GET /admin/sign-in for the form's antiforgery token, then POST the token in the form.</summary>
    public async Task<HttpResponseMessage> PostSignInAsync(string token) =>
        await PostAsync("/admin/sign-in", await FormTokenAsync("/admin/sign-in"), ("token", token));

    public static ConsoleSession WithBearer(ApiFactory api, string token)
    {
        var s = Anonymous(api);
        s.Http.DefaultRequestHeaders.Authorization = new("Bearer", token);
        return s;
    }

    public async Task<(HttpStatusCode Status, string Html)> GetAsync(string path)
    {
        using var res = await Http.GetAsync(new Uri(path, UriKind.Relative));
        return (res.StatusCode, await res.Content.ReadAsStringAsync());
    }

    /// <summary>The antiforgery token of the first form on the page at <paramref name="path"/>.</summary>
    public async Task<string> FormTokenAsync(string path)
    {
        var (status, html) = await GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, status);
        return TokenIn(html) ?? throw new InvalidOperationException($"no antiforgery token on {path}");
    }

    public static string? TokenIn(string html) =>
        TokenField().Match(html) is { Success: true } m ? WebUtility.HtmlDecode(m.Groups[1].Value) : null;

    /// <summary>Posts a form; with <paramref name="token"/> null the antiforgery field is left out.</summary>
    public async Task<HttpResponseMessage> PostAsync(string path, string? token, params (string Name, string Value)[] fields)
    {
        var all = fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Value)).ToList();
        if (token is not null)
        {
            all.Add(new("__RequestVerificationToken", token));
        }
        return await Http.PostAsync(new Uri(path, UriKind.Relative), new FormUrlEncodedContent(all));
    }

    /// <summary>The data-value of an element marked data-figure="name" (Overview, Funnel).</summary>
    public static long Figure(string html, string name)
    {
        var m = Regex.Match(html, $"data-figure=\"{Regex.Escape(name)}\" data-value=\"(-?[0-9]+)\"");
        Assert.True(m.Success, $"figure {name} not on the page");
        return long.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
    }

    public void Dispose() => Http.Dispose();

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex TokenField();
}
