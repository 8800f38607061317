using System.Text.Json;
using ActorPool.Protocol;

namespace ActorPool.Gateway;

/// <summary>The generic script API: <c>POST /v1/scripts/{module}/{function}</c> with <c>{"args": [...]}</c>.</summary>
internal static class ScriptApi
{
    public static RouteGroupBuilder MapScriptApi(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/v1/scripts").WithTags("Scripts");
        group.MapPost("/{module}/{function}", RunAsync)
            .WithSummary("Calls an exported function of a module with JSON arguments.")
            .Produces<ScriptResponse>()
            .Produces<ApiError>(StatusCodes.Status400BadRequest)
            .Produces<ApiError>(StatusCodes.Status404NotFound)
            .Produces<ApiError>(StatusCodes.Status413PayloadTooLarge)
            .Produces<ApiError>(StatusCodes.Status415UnsupportedMediaType)
            .Produces<ApiError>(StatusCodes.Status422UnprocessableEntity)
            .Produces<ApiError>(StatusCodes.Status503ServiceUnavailable)
            .Produces<ApiError>(StatusCodes.Status504GatewayTimeout);
        return group;
    }

    private static async Task<IResult> RunAsync(string module, string function, HttpContext context, IScriptPool pool, GatewaySettings settings)
    {
        if (!IsJson(context.Request.ContentType))
        {
            return ApiError.Result(StatusCodes.Status415UnsupportedMediaType, ApiError.InvalidRequest, "send the body as Content-Type: application/json");
        }

        var (document, error) = await JsonBody.ReadAsync(context, settings.MaxRequestBytes, unicodeStringsOnly: false).ConfigureAwait(false);
        if (error is not null)
        {
            return error.ToResult();
        }

        string argsJson;
        using (document)
        {
            var root = document!.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return ApiError.Result(StatusCodes.Status400BadRequest, ApiError.InvalidRequest, "the body must be a JSON object such as {\"args\": [1, 2]}");
            }

            if (!root.TryGetProperty("args", out var args))
            {
                argsJson = "[]";
            }
            else if (args.ValueKind != JsonValueKind.Array)
            {
                return ApiError.Result(StatusCodes.Status400BadRequest, ApiError.InvalidRequest, "\"args\" must be a JSON array");
            }
            else
            {
                // Valid UTF-8 (checked by JsonBody), so the raw text always transcodes.
                argsJson = args.GetRawText();
            }
        }

        try
        {
            var result = await pool.RunAsync(module, function, argsJson, deadline: null, context.RequestAborted).ConfigureAwait(false);

            // The script's value is already JSON: splice it in rather than parse and re-serialize it.
            return Results.Text("{\"result\":" + result.Json + "}", "application/json");
        }
        catch (ScriptPoolException ex) when (ex.Kind == FailureKind.Cancelled && context.RequestAborted.IsCancellationRequested)
        {
            return Results.StatusCode(499);
        }
        catch (ScriptPoolException ex)
        {
            return ApiError.From(ex);
        }
    }

    private static bool IsJson(string? contentType) =>
        contentType is not null
        && Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParse(contentType, out var media)
        && (media.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || media.Suffix.Equals("json", StringComparison.OrdinalIgnoreCase));

    /// <summary>The documented request shape.</summary>
    internal sealed record ScriptRequest(IReadOnlyList<JsonElement> Args);

    /// <summary>The documented response shape.</summary>
    internal sealed record ScriptResponse(JsonElement Result);
}
