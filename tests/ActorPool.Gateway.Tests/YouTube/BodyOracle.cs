using System.Text;
using System.Text.Json;

namespace ActorPool.Gateway.Tests.YouTube;

/// <summary>What the oracle expects for one body: the statuses allowed, the error kind when the answer is an error, and why.</summary>
public sealed record ExpectedAnswer(int[] Statuses, string? Kind, string Why)
{
    /// <summary>True when the oracle names exactly one status.</summary>
    public bool Exact => Statuses.Length == 1;
}

/// <summary>
/// An oracle for the status a POST body must get, computed without the gateway's code: strict UTF-8 decoding, a
/// token-by-token <see cref="Utf8JsonReader"/> walk (grammar, depth 64, property names and, on the yt-cipher
/// endpoints, string values unescaped one by one; duplicates found by its own set per object), then the rules of
/// docs/gateway.md ("Errors" and the yt-cipher request fields). Malformed or ambiguous bodies are exactly 400
/// <c>invalid_request</c>; a well-formed script call is exactly 200; a yt-cipher body whose fields, unescaped, are
/// the seed's own is exactly 200 (with the seed's answer). A yt-cipher body whose field values changed may name a
/// player or URL the oracle cannot judge without a solver: 200, 400, 404 or 502 (the loopback YouTube does not
/// serve it), never a 5xx besides 502.
/// </summary>
public static class BodyOracle
{
    /// <summary>The deepest nesting the gateway documents it accepts.</summary>
    private const int MaxDepth = 64;

    private static readonly Dictionary<string, (string[] Required, string[] Optional)> YtCipherFields = new(StringComparer.Ordinal)
    {
        ["/decrypt_signature"] = (["player_url"], ["encrypted_signature", "n_param", "signature_key"]),
        ["/get_sts"] = (["player_url"], []),
        ["/resolve_url"] = (["stream_url", "player_url"], ["encrypted_signature", "signature_key", "n_param"]),
    };

    /// <summary>The expected answer for <paramref name="body"/> on <paramref name="path"/>, given the seed body it was mutated from.</summary>
    public static ExpectedAnswer Expect(string path, byte[] body, string seedBody)
    {
        var ytCipher = YtCipherFields.TryGetValue(path, out var fields);
        if (Read(body, stringsMustBeUnicode: ytCipher) is { } problem)
        {
            return BadRequest(problem);
        }

        using var document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = MaxDepth });
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            return BadRequest("the root is not an object");
        }

        if (!ytCipher)
        {
            return root.TryGetProperty("args", out var args) && args.ValueKind != JsonValueKind.Array
                ? BadRequest("\"args\" is not an array")
                : new ExpectedAnswer([200], null, "a well-formed script call");
        }

        var values = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var name in fields.Required.Concat(fields.Optional))
        {
            var required = fields.Required.Contains(name);
            if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
            {
                if (required)
                {
                    return BadRequest($"'{name}' is missing");
                }

                continue;
            }

            if (value.ValueKind != JsonValueKind.String)
            {
                return BadRequest($"'{name}' is not a string");
            }

            var text = value.GetString()!;
            if (name is "encrypted_signature" or "n_param" && text.Any(char.IsSurrogate))
            {
                return BadRequest($"'{name}' holds a character outside the Basic Multilingual Plane");
            }

            values[name] = text;
        }

        using var seed = JsonDocument.Parse(seedBody);
        var same = fields.Required.Concat(fields.Optional).All(name =>
            (seed.RootElement.TryGetProperty(name, out var s) ? s.GetString() : null) == values.GetValueOrDefault(name));
        return same
            ? new ExpectedAnswer([200], null, "the seed's fields, unescaped")
            : new ExpectedAnswer([200, 400, 404, 502], null, "a field value changed: the player or URL decides");
    }

    private static ExpectedAnswer BadRequest(string why) => new([400], "invalid_request", why);

    /// <summary>Why the body is not readable JSON for the endpoint, or null.</summary>
    private static string? Read(byte[] body, bool stringsMustBeUnicode)
    {
        try
        {
            _ = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(body);
        }
        catch (DecoderFallbackException)
        {
            return "not UTF-8";
        }

        var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = MaxDepth });
        var names = new Stack<HashSet<string>>();
        try
        {
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject:
                        names.Push(new HashSet<string>(StringComparer.Ordinal));
                        break;
                    case JsonTokenType.EndObject:
                        names.Pop();
                        break;
                    case JsonTokenType.PropertyName:
                        if (Unescape(ref reader) is not { } name)
                        {
                            return "a property name is not valid Unicode";
                        }

                        if (!names.Peek().Add(name))
                        {
                            return $"duplicate property '{name}'";
                        }

                        break;
                    case JsonTokenType.String when stringsMustBeUnicode:
                        if (Unescape(ref reader) is null)
                        {
                            return "a string is not valid Unicode";
                        }

                        break;
                }
            }

            return null;
        }
        catch (JsonException ex)
        {
            return "not JSON: " + ex.Message;
        }
    }

    private static string? Unescape(ref Utf8JsonReader reader)
    {
        try
        {
            return reader.GetString();
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }
}
