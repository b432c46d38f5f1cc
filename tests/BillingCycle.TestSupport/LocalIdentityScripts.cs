using System.Diagnostics;
using System.Text.Json;

namespace BillingCycle.TestSupport;

/// <summary>
/// The local development identity exactly as a newcomer gets it: scripts/local-identity.sh
/// makes the key pair (in a folder of its own per test, never the developer's .local/clerk)
/// and scripts/token.sh signs the tokens. Tests use the scripts themselves, not a copy of them.
/// </summary>
public sealed class LocalIdentityScripts : IDisposable
{
    private LocalIdentityScripts(string dir, IReadOnlyDictionary<string, string> settings)
    {
        Dir = dir;
        Settings = settings;
    }

    public string Dir { get; }

    /// <summary>What .local/clerk/clerk.env holds: CLERK_JWT_KEY (one line, \n escapes), CLERK_ISSUER, CLERK_AUTHORIZED_PARTIES, LOCAL_CLERK_KID.</summary>
    public IReadOnlyDictionary<string, string> Settings { get; }

    public string PublicKeyPem => File.ReadAllText(Path.Combine(Dir, "local-public-key.pem"));

    public static async Task<LocalIdentityScripts> MakeAsync()
    {
        var dir = Path.Combine(Path.GetTempPath(), "billing-local-clerk-" + Guid.NewGuid().ToString("N")[..8]);
        await RunAsync(dir, "local-identity.sh");
        var settings = File.ReadAllLines(Path.Combine(dir, "clerk.env"))
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Select(l => l.Split('=', 2))
            .ToDictionary(kv => kv[0], kv => kv[1].Trim('"'), StringComparer.Ordinal);
        return new LocalIdentityScripts(dir, settings);
    }

    /// <summary>bash scripts/token.sh ARGS..., its one line of output.</summary>
    public async Task<string> TokenAsync(params string[] args) => (await RunAsync(Dir, "token.sh", args)).Trim();

    /// <summary>The JSON of a token's header (0) or payload (1).</summary>
    public static JsonElement Part(string token, int index)
    {
        var s = token.Split('.')[index].Replace('-', '+').Replace('_', '/');
        s = s.PadRight(s.Length + ((4 - (s.Length % 4)) % 4), '=');
        return JsonDocument.Parse(Convert.FromBase64String(s)).RootElement.Clone();
    }

    public static async Task<string> RunAsync(string dir, string script, params string[] args)
    {
        var psi = new ProcessStartInfo("bash", [Path.Combine(DedicatedPostgres.RepoRoot(), "scripts", script), .. args])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        psi.Environment["BILLING_LOCAL_CLERK_DIR"] = dir;
        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEndAsync();
        var err = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"{script} exited {p.ExitCode}: {await err}");
        }
        return await output;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
