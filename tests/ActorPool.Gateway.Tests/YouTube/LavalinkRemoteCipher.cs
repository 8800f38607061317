using System.Net.Http.Headers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace ActorPool.Gateway.Tests.YouTube;

/// <summary>The two generations of Lavalink youtube-source's remote cipher client.</summary>
public enum LavalinkVersion
{
    /// <summary>1.14: <c>/get_sts</c>, then <c>/decrypt_signature</c> per format (nulls written as JSON null); the client writes the URL itself.</summary>
    V1_14,

    /// <summary>1.15 and later (1.18.2 read): <c>/get_sts</c>, then <c>/resolve_url</c> per format (absent values left out).</summary>
    V1_15,
}

/// <summary>
/// What youtube-source knows of a stream format (its StreamFormat): the URL (for a ciphered format, the url of its
/// signatureCipher), the URL's n, the cipher's s, and the cipher's sp ("signature" when the cipher names none, and
/// for formats without a cipher too).
/// </summary>
public sealed record LavalinkFormat(string Url, string? NParameter, string? Signature, string SignatureKey = "signature");

/// <summary>Thrown where youtube-source throws (an IOException there): the track fails to play.</summary>
public sealed class LavalinkTrackFailedException(string message) : Exception(message);

/// <summary>
/// The requests of youtube-source's RemoteCipherManager, as its source (lavalink-devs/youtube-source, common/src/main/
/// java/dev/lavalink/youtube/cipher/RemoteCipherManager.java at 1.14.0 and 1.18.2, and http/YoutubeHttpContextFilter
/// .java) writes them: remote URL + "/" + endpoint (no doubled slash), a compact JSON body whose <c>player_url</c> is
/// the player's jsUrl exactly as the embed page gives it (relative), <c>Content-Type: application/json;
/// charset=UTF-8</c>, the password as a raw <c>Authorization</c> header, and from 1.15 <c>User-Agent: yt-source</c> and
/// <c>Plugin-Version</c>. Success is judged as the client judges it: 1.14 any 2xx with a non-empty body; 1.15+ a 2xx
/// other than 204 with a non-empty body (lavaplayer's HttpClientTools.isSuccessWithContent), then the fields it reads
/// (<c>sts</c>, <c>resolved_url</c>, <c>decrypted_signature</c>, <c>decrypted_n_sig</c>), and the URL must parse as a
/// java.net.URI.
/// </summary>
public sealed partial class LavalinkRemoteCipher(HttpClient http, string remoteUrl, string? password, LavalinkVersion version)
{
    public const string PluginVersion = "1.18.2";

    private static readonly JsonWriterOptions Compact = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>CipherManager.getTimestamp: the player's sts as text.</summary>
    public async Task<string> GetTimestampAsync(string playerScript)
    {
        var json = await PostAsync("get_sts", w => w.WriteString("player_url", playerScript));
        return Text(json, "sts") ?? throw new LavalinkTrackFailedException("get_sts answered no sts: " + json);
    }

    /// <summary>CipherManager.resolveFormatUrl: the playable URL of a format.</summary>
    public Task<Uri> ResolveFormatUrlAsync(string playerScript, LavalinkFormat format) =>
        version == LavalinkVersion.V1_15 ? ResolveUrlAsync(playerScript, format) : DecryptAsync(playerScript, format);

    private async Task<Uri> ResolveUrlAsync(string playerScript, LavalinkFormat format)
    {
        var json = await PostAsync("resolve_url", w =>
        {
            w.WriteString("stream_url", format.Url);
            w.WriteString("player_url", playerScript);
            if (format.Signature is not null)
            {
                w.WriteString("encrypted_signature", format.Signature);
            }

            if (format.NParameter is not null)
            {
                w.WriteString("n_param", format.NParameter);
            }

            w.WriteString("signature_key", format.SignatureKey);
        });
        var resolved = Text(json, "resolved_url");
        if (string.IsNullOrEmpty(resolved))
        {
            throw new LavalinkTrackFailedException("Remote cipher service did not return a resolved URL.");
        }

        return JavaUri(resolved);
    }

    private async Task<Uri> DecryptAsync(string playerScript, LavalinkFormat format)
    {
        if (string.IsNullOrEmpty(format.Signature))
        {
            // decipherN: n alone (JSON null when the URL has none), then the client sets n itself.
            var nOnly = await PostAsync("decrypt_signature", w =>
            {
                w.WriteString("player_url", playerScript);
                WriteNullable(w, "n_param", format.NParameter);
            });
            return JavaUri(SetParameter(format.Url, "n", Text(nOnly, "decrypted_n_sig") ?? string.Empty));
        }

        var json = await PostAsync("decrypt_signature", w =>
        {
            w.WriteString("player_url", playerScript);
            w.WriteString("encrypted_signature", format.Signature);
            WriteNullable(w, "n_param", format.NParameter);
            WriteNullable(w, "signature_key", format.SignatureKey);
        });
        var url = format.Url;
        if (Text(json, "decrypted_signature") is { Length: > 0 } signature)
        {
            url = SetParameter(url, string.IsNullOrWhiteSpace(format.SignatureKey) ? "sig" : format.SignatureKey.Trim(), signature);
        }

        if (Text(json, "decrypted_n_sig") is { Length: > 0 } n)
        {
            url = SetParameter(url, "n", n);
        }

        return JavaUri(url);
    }

    private async Task<string> PostAsync(string endpoint, Action<Utf8JsonWriter> fields)
    {
        using var body = new MemoryStream();
        using (var writer = new Utf8JsonWriter(body, Compact))
        {
            writer.WriteStartObject();
            fields(writer);
            writer.WriteEndObject();
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, remoteUrl.EndsWith('/') ? remoteUrl + endpoint : remoteUrl + "/" + endpoint)
        {
            Content = new ByteArrayContent(body.ToArray()),
        };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse("application/json; charset=UTF-8");
        if (!string.IsNullOrEmpty(password))
        {
            request.Headers.TryAddWithoutValidation("Authorization", password);
        }

        if (version == LavalinkVersion.V1_15)
        {
            request.Headers.TryAddWithoutValidation("User-Agent", "yt-source");
            request.Headers.TryAddWithoutValidation("Plugin-Version", PluginVersion);
        }

        request.Headers.TryAddWithoutValidation("Accept-Encoding", "gzip,deflate");
        using var response = await http.SendAsync(request);
        var status = (int)response.StatusCode;
        var text = await response.Content.ReadAsStringAsync();
        var success = version == LavalinkVersion.V1_15 ? status is >= 200 and < 300 and not 204 : status is >= 200 and < 300;
        if (!success)
        {
            throw new LavalinkTrackFailedException($"Remote cipher service request to {endpoint} failed with status code: {status}. Response: {text}");
        }

        return string.IsNullOrEmpty(text) ? throw new LavalinkTrackFailedException("Received empty successful response from remote cipher service.") : text;
    }

    private static void WriteNullable(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is null)
        {
            writer.WriteNull(name);
        }
        else
        {
            writer.WriteString(name, value);
        }
    }

    /// <summary>JsonBrowser.get(name).text(): the string, a number's text, or null.</summary>
    private static string? Text(string json, string name)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.TryGetProperty(name, out var value)
            ? value.ValueKind switch
            {
                JsonValueKind.String => value.GetString(),
                JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => value.GetRawText(),
                _ => null,
            }
            : null;
    }

    /// <summary>URIBuilder.setParameter: replaces every occurrence of the parameter (or appends it).</summary>
    private static string SetParameter(string url, string name, string value)
    {
        var question = url.IndexOf('?', StringComparison.Ordinal);
        var (head, query) = question < 0 ? (url, string.Empty) : (url[..question], url[(question + 1)..]);
        var parts = query.Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Where(p => Uri.UnescapeDataString(p.Split('=')[0]) != name)
            .Append(Uri.EscapeDataString(name) + "=" + Uri.EscapeDataString(value));
        return head + "?" + string.Join('&', parts);
    }

    /// <summary>new java.net.URI(text): RFC 2396 characters only (non-ASCII letters aside), every % followed by two hex digits.</summary>
    private static Uri JavaUri(string text)
    {
        if (!JavaUriCharacters().IsMatch(text) || !Uri.TryCreate(text, UriKind.Absolute, out var uri))
        {
            throw new LavalinkTrackFailedException("java.net.URISyntaxException: " + text);
        }

        return uri;
    }

    [GeneratedRegex(@"^(?:[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})+$", RegexOptions.CultureInvariant)]
    private static partial Regex JavaUriCharacters();
}
