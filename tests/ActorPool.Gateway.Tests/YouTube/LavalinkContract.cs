using System.Globalization;
using Microsoft.AspNetCore.WebUtilities;

namespace ActorPool.Gateway.Tests.YouTube;

/// <summary>
/// The Lavalink client contract: for every fixture player and every form its jsUrl may take (relative as the embed
/// page gives it, protocol-relative, absolute), a <see cref="LavalinkRemoteCipher"/> of the given version asks for
/// the sts, then resolves a ciphered format and an unciphered one per vector, and each URL it would play is checked
/// against the vectors. Used standalone (LavalinkClientContractSpec) and on a cluster (YouTubeClusterProcessSpec).
/// </summary>
public static class LavalinkContract
{
    private const string Stream = "https://rr3---sn-4g5e6nsz.googlevideo.com/videoplayback?expire=1767225600&ei=x1Y&ip=127.0.0.1&id=o-AAb&itag=251&source=youtube&requiressl=yes&mime=audio%2Fwebm&lsparams=mh%2Cmm";

    /// <summary>The forms of a player's jsUrl a client may send.</summary>
    public static readonly (string Name, Func<PlayerVector, string> Of)[] UrlForms =
    [
        ("relative", v => v.RelativeUrl),
        ("protocol-relative", v => "//" + new Uri(v.PlayerUrl).Host + v.RelativeUrl),
        ("absolute", v => v.PlayerUrl),
    ];

    /// <summary>Runs the contract; returns every way the client would have failed or played a wrong URL (empty: none).</summary>
    public static async Task<List<string>> RunAsync(HttpClient http, string remoteUrl, string? password, LavalinkVersion version, IEnumerable<PlayerVector> players, IEnumerable<string>? forms = null)
    {
        var client = new LavalinkRemoteCipher(http, remoteUrl, password, version);
        var wanted = forms?.ToHashSet() ?? UrlForms.Select(f => f.Name).ToHashSet();
        var failures = new List<string>();
        foreach (var vector in players)
        {
            foreach (var (form, of) in UrlForms.Where(f => wanted.Contains(f.Name)))
            {
                var jsUrl = of(vector);
                var context = $"{version} {vector.PlayerId} {form} {jsUrl}";
                try
                {
                    var sts = await client.GetTimestampAsync(jsUrl);
                    if (sts != vector.Sts.ToString(CultureInfo.InvariantCulture))
                    {
                        failures.Add($"{context}: sts '{sts}', expected {vector.Sts}");
                    }

                    for (var i = 0; i < Math.Max(vector.Sig.Count, vector.N.Count); i++)
                    {
                        await CheckFormatAsync(client, jsUrl, vector.Sig.ElementAtOrDefault(i), vector.N.ElementAtOrDefault(i), i, failures, context);
                    }
                }
                catch (LavalinkTrackFailedException ex)
                {
                    failures.Add($"{context}: the track fails: {ex.Message}");
                }
            }
        }

        return failures;
    }

    private static async Task CheckFormatAsync(LavalinkRemoteCipher client, string jsUrl, ChallengeVector? sig, ChallengeVector? n, int index, List<string> failures, string context)
    {
        var url = n is null ? Stream : Stream + "&n=" + n.Input;

        // A ciphered format (its cipher names sp=sig, or none: "signature"), and where there is an n, one without a cipher.
        var formats = new List<(LavalinkFormat Format, string What)>();
        if (sig is not null)
        {
            formats.Add((new LavalinkFormat(url, n?.Input, sig.Input, index % 2 == 0 ? "sig" : "signature"), $"ciphered #{index}"));
        }

        if (n is not null)
        {
            formats.Add((new LavalinkFormat(url, n.Input, null), $"plain #{index}"));
        }

        foreach (var (format, what) in formats)
        {
            try
            {
                var played = (await client.ResolveFormatUrlAsync(jsUrl, format)).OriginalString;
                var query = QueryHelpers.ParseQuery(new Uri(played).Query);
                var problems = new List<string>();
                if (sig is not null && format.Signature is not null && query[format.SignatureKey].ToString() != sig.Output)
                {
                    problems.Add($"{format.SignatureKey} '{query[format.SignatureKey]}', expected '{sig.Output}'");
                }

                if (n is not null && query["n"].ToString() != n.Output)
                {
                    problems.Add($"n '{query["n"]}', expected '{n.Output}'");
                }

                if (query.ContainsKey("s") || !played.StartsWith(Stream, StringComparison.Ordinal))
                {
                    problems.Add("the stream URL's own parameters changed");
                }

                if (problems.Count > 0)
                {
                    failures.Add($"{context} {what}: plays {played}: {string.Join("; ", problems)}");
                }
            }
            catch (LavalinkTrackFailedException ex)
            {
                failures.Add($"{context} {what}: the track fails: {ex.Message}");
            }
        }
    }
}
