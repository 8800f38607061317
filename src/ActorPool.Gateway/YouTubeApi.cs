using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization;
using ActorPool.Protocol;
using ActorPool.YouTube.Players;
using ActorPool.YouTube.Service;

namespace ActorPool.Gateway;

/// <summary>
/// The yt-cipher compatible endpoints: <c>POST /decrypt_signature</c>, <c>/get_sts</c>, <c>/resolve_url</c>, with
/// yt-cipher's field names, statuses and <c>{"error": ...}</c> bodies.
/// </summary>
internal static class YouTubeApi
{
    public const string CacheHitHeader = "X-Cache-Hit";

    private static readonly string[] Paths = ["/decrypt_signature", "/get_sts", "/resolve_url"];

    // yt-cipher reads the body as JSON whatever its Content-Type (none, text/plain, or the form type `curl -d`
    // sends), so these endpoints accept any type: listing */* beside application/json keeps the documented
    // request schema without letting routing refuse the other types (docs/gateway.md).
    private const string AnyContentType = "*/*";

    /// <summary>Whether a request path is one of these endpoints (for the shutdown gate).</summary>
    public static bool IsYouTubePath(PathString path) => Paths.Any(p => path.Equals(p, StringComparison.OrdinalIgnoreCase));

    public static IEndpointRouteBuilder MapYouTubeApi(this IEndpointRouteBuilder routes)
    {
        routes.MapPost("/decrypt_signature", DecryptAsync).WithTags("YouTube")
            .WithSummary("Decrypts a stream signature and/or transforms the n parameter with the given player's solver.")
            .Accepts<DecryptSignatureRequest>("application/json", AnyContentType)
            .Produces<DecryptSignatureResponse>()
            .Produces<ApiError>(StatusCodes.Status400BadRequest)
            .Produces<ApiError>(StatusCodes.Status500InternalServerError)
            .Produces<ApiError>(StatusCodes.Status502BadGateway)
            .Produces<ApiError>(StatusCodes.Status503ServiceUnavailable)
            .Produces<ApiError>(StatusCodes.Status504GatewayTimeout);
        routes.MapPost("/get_sts", GetStsAsync).WithTags("YouTube")
            .WithSummary("Returns the player's signature timestamp (sts) as a string; 404 when the player states none.")
            .Accepts<StsRequest>("application/json", AnyContentType)
            .Produces<StsResponse>()
            .Produces<ApiError>(StatusCodes.Status400BadRequest)
            .Produces<ApiError>(StatusCodes.Status404NotFound)
            .Produces<ApiError>(StatusCodes.Status502BadGateway);
        routes.MapPost("/resolve_url", ResolveAsync).WithTags("YouTube")
            .WithSummary("Writes the decrypted signature (under signature_key, else the URL's sp, else sig; s removed) and the transformed n into a stream URL.")
            .Accepts<ResolveUrlRequest>("application/json", AnyContentType)
            .Produces<ResolveUrlResponse>()
            .Produces<ApiError>(StatusCodes.Status400BadRequest)
            .Produces<ApiError>(StatusCodes.Status500InternalServerError)
            .Produces<ApiError>(StatusCodes.Status502BadGateway)
            .Produces<ApiError>(StatusCodes.Status503ServiceUnavailable)
            .Produces<ApiError>(StatusCodes.Status504GatewayTimeout);
        return routes;
    }

    private static Task DecryptAsync(HttpContext context, YouTubeSolverService service, YouTubeMetrics metrics, GatewaySettings settings) =>
        HandleAsync("decrypt_signature", context, metrics, settings, ["player_url"], ["encrypted_signature", "n_param", "signature_key"], async fields =>
        {
            var player = service.Identify(fields["player_url"]);
            var result = await service.DecryptAsync(player, fields.GetValueOrDefault("encrypted_signature"), fields.GetValueOrDefault("n_param"), null, context.RequestAborted).ConfigureAwait(false);
            return (new DecryptAnswer(result.Signature, result.N), result.CacheHit);
        });

    private static Task GetStsAsync(HttpContext context, YouTubeSolverService service, YouTubeMetrics metrics, GatewaySettings settings) =>
        HandleAsync("get_sts", context, metrics, settings, ["player_url"], [], async fields =>
        {
            var player = service.Identify(fields["player_url"]);
            var (sts, hit) = await service.GetStsAsync(player, context.RequestAborted).ConfigureAwait(false);
            return sts is null
                ? (ApiError.Result(StatusCodes.Status404NotFound, "not_found", $"Timestamp not found in player script {player.Id} ({player.CacheKey})"), (bool?)null)
                : (Results.Json(new StsResponse(sts)), hit);
        });

    private static Task ResolveAsync(HttpContext context, YouTubeSolverService service, YouTubeMetrics metrics, GatewaySettings settings) =>
        HandleAsync("resolve_url", context, metrics, settings, ["stream_url", "player_url"], ["encrypted_signature", "signature_key", "n_param"], async fields =>
        {
            var player = service.Identify(fields["player_url"]);
            var url = StreamUrl.TryParse(fields["stream_url"]!);
            if (url is null)
            {
                return (BadRequest("Invalid request body: 'stream_url' is not an absolute http(s) URL"), null);
            }

            // Inputs the solver would refuse are refused before the player is fetched, as DecryptAsync does: a
            // caller's bad n is a 400 whether or not the player host answers.
            var encrypted = fields.GetValueOrDefault("encrypted_signature");
            var nGiven = fields.GetValueOrDefault("n_param") is { Length: > 0 } fromBody ? fromBody : url.Get("n");
            SolverInputException.ThrowIfNotSolvable("encrypted_signature", encrypted);
            SolverInputException.ThrowIfNotSolvable("n_param", nGiven);
            var solver = await service.GetSolverAsync(player, context.RequestAborted).ConfigureAwait(false);
            var hasEncrypted = !string.IsNullOrEmpty(encrypted);
            if (hasEncrypted && !solver.HasSig)
            {
                throw new SolverFailedException($"No signature solver found for player {player.Id}", player.Id);
            }

            // As yt-cipher: no n in the body or the URL leaves the URL's n alone (nothing to transform).
            string? n = null;
            if (solver.HasN)
            {
                n = string.IsNullOrEmpty(nGiven) ? null : nGiven;
            }

            // sig and n together: one pool task at most (see YouTubeSolverService.DecryptAsync).
            var result = await service.DecryptAsync(player, encrypted, n, null, context.RequestAborted).ConfigureAwait(false);
            if (hasEncrypted)
            {
                var key = fields.GetValueOrDefault("signature_key") is { Length: > 0 } k ? k : url.Get("sp") is { Length: > 0 } sp ? sp : "sig";
                url.Set(key, result.Signature);
                url.Delete("s");
            }

            if (n is not null)
            {
                url.Set("n", result.N);
            }

            return (Results.Json(new ResolveUrlResponse(url.ToString())), solver.CacheHit);
        });

    /// <summary>Reads and validates the body, runs the endpoint, maps failures, records metrics.</summary>
    private static async Task HandleAsync(
        string endpoint,
        HttpContext context,
        YouTubeMetrics metrics,
        GatewaySettings settings,
        string[] required,
        string[] optional,
        Func<Dictionary<string, string?>, Task<(IResult Result, bool? CacheHit)>> run)
    {
        var started = Stopwatch.GetTimestamp();
        IResult result;
        bool? cacheHit = null;
        try
        {
            var (fields, error) = await ReadAsync(context, settings, required, optional).ConfigureAwait(false);
            context.Items[YtCipherMetrics.PlayerUrlItem] = fields?.GetValueOrDefault("player_url");
            (result, cacheHit) = error is not null ? (error, null) : await run(fields!).ConfigureAwait(false);
        }
        catch (PlayerScriptException ex)
        {
            result = BadRequest("Player script error: " + ex.Message);
        }
        catch (SolverInputException ex)
        {
            result = BadRequest("Invalid request body: " + ex.Message);
        }
        catch (PlayerFetchException ex)
        {
            result = ApiError.Result(StatusCodes.Status502BadGateway, "upstream_error", ex.Message);
        }
        catch (SolverFailedException ex)
        {
            result = ApiError.Result(StatusCodes.Status500InternalServerError, "solver_error", ex.Message);
        }
        catch (ScriptPoolException ex) when (ex.Kind == FailureKind.Cancelled && context.RequestAborted.IsCancellationRequested)
        {
            result = Results.StatusCode(499);
        }
        catch (ScriptPoolException ex)
        {
            result = ApiError.From(ex);
        }

        if (cacheHit is { } hit)
        {
            context.Response.Headers[CacheHitHeader] = hit ? "true" : "false";
        }

        await result.ExecuteAsync(context).ConfigureAwait(false);
        metrics.Observe(endpoint, context.Response.StatusCode, cacheHit == true, Stopwatch.GetElapsedTime(started));
    }

    private static async Task<(Dictionary<string, string?>? Fields, IResult? Error)> ReadAsync(HttpContext context, GatewaySettings settings, string[] required, string[] optional)
    {
        var (document, error) = await JsonBody.ReadAsync(context, settings.MaxRequestBytes, unicodeStringsOnly: true).ConfigureAwait(false);
        if (error is not null)
        {
            return (null, error.ToResult(error.Status == StatusCodes.Status400BadRequest ? "Invalid request body: " : string.Empty));
        }

        using (document)
        {
            if (document!.RootElement.ValueKind != JsonValueKind.Object)
            {
                return (null, BadRequest("Invalid request body: expected a JSON object"));
            }

            var fields = new Dictionary<string, string?>(StringComparer.Ordinal);
            var errors = new List<string>();
            foreach (var name in required.Concat(optional))
            {
                var isRequired = required.Contains(name);
                if (!document.RootElement.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
                {
                    if (isRequired)
                    {
                        errors.Add($"'{name}' is missing or invalid");
                    }

                    continue;
                }

                if (value.ValueKind != JsonValueKind.String)
                {
                    errors.Add(isRequired ? $"'{name}' is missing or invalid" : $"'{name}' must be a string");
                    continue;
                }

                // A signature or n outside the Basic Multilingual Plane is refused by YouTubeSolverService itself
                // (SolverInputException), so an n taken from the stream URL is refused the same way.
                fields[name] = value.GetString();
            }

            return errors.Count > 0 ? (null, BadRequest("Invalid request body: " + string.Join(", ", errors))) : (fields, null);
        }
    }

    private static IResult BadRequest(string message) => ApiError.Result(StatusCodes.Status400BadRequest, ApiError.InvalidRequest, message);

    /// <summary>
    /// The answer of <c>POST /decrypt_signature</c> (<see cref="DecryptSignatureResponse"/>'s JSON), written straight to the
    /// response: the same bytes and content type as <c>Results.Json</c> with the default web options, without its
    /// per-request serializer and logging work.
    /// </summary>
    private sealed class DecryptAnswer(string signature, string n) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            var response = httpContext.Response;
            response.ContentType = "application/json; charset=utf-8";
            using (var json = new Utf8JsonWriter(response.BodyWriter))
            {
                json.WriteStartObject();
                json.WriteString(DecryptedSignatureName, signature);
                json.WriteString(DecryptedNName, n);
                json.WriteEndObject();
            }

            return response.BodyWriter.FlushAsync(httpContext.RequestAborted).AsTask();
        }
    }

    private static readonly JsonEncodedText DecryptedSignatureName = JsonEncodedText.Encode("decrypted_signature");
    private static readonly JsonEncodedText DecryptedNName = JsonEncodedText.Encode("decrypted_n_sig");

    /// <summary>Body of <c>POST /decrypt_signature</c>.</summary>
    internal sealed record DecryptSignatureRequest(
        [property: JsonPropertyName("player_url")] string PlayerUrl,
        [property: JsonPropertyName("encrypted_signature")] string? EncryptedSignature,
        [property: JsonPropertyName("n_param")] string? NParam,
        [property: JsonPropertyName("signature_key")] string? SignatureKey);

    /// <summary>Answer of <c>POST /decrypt_signature</c>; empty strings for absent inputs.</summary>
    internal sealed record DecryptSignatureResponse(
        [property: JsonPropertyName("decrypted_signature")] string DecryptedSignature,
        [property: JsonPropertyName("decrypted_n_sig")] string DecryptedNSig);

    /// <summary>Body of <c>POST /get_sts</c>.</summary>
    internal sealed record StsRequest([property: JsonPropertyName("player_url")] string PlayerUrl);

    /// <summary>Answer of <c>POST /get_sts</c>.</summary>
    internal sealed record StsResponse([property: JsonPropertyName("sts")] string Sts);

    /// <summary>Body of <c>POST /resolve_url</c>.</summary>
    internal sealed record ResolveUrlRequest(
        [property: JsonPropertyName("stream_url")] string StreamUrl,
        [property: JsonPropertyName("player_url")] string PlayerUrl,
        [property: JsonPropertyName("encrypted_signature")] string? EncryptedSignature,
        [property: JsonPropertyName("signature_key")] string? SignatureKey,
        [property: JsonPropertyName("n_param")] string? NParam);

    /// <summary>Answer of <c>POST /resolve_url</c>.</summary>
    internal sealed record ResolveUrlResponse([property: JsonPropertyName("resolved_url")] string ResolvedUrl);
}
