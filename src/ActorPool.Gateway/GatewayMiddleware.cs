using System.Security.Cryptography;
using System.Text;

namespace ActorPool.Gateway;

/// <summary>Cross-cutting request rules: errors as JSON, token auth, 503 while shutting down.</summary>
internal static class GatewayMiddleware
{
    /// <summary>Turns exceptions into JSON errors: a bad request is the client's 4xx, never a 500.</summary>
    public static IApplicationBuilder UseJsonErrors(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        try
        {
            await next(context).ConfigureAwait(false);
        }
        catch (BadHttpRequestException ex) when (!context.Response.HasStarted)
        {
            // Endpoints read bodies through JsonBody, which answers these itself; this catches reads elsewhere.
            var kind = ex.StatusCode == StatusCodes.Status413PayloadTooLarge ? ApiError.PayloadTooLarge : ApiError.InvalidRequest;
            context.Response.Headers.Connection = "close";
            await ApiError.WriteAsync(context, ex.StatusCode, kind, ex.Message).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away; there is no one to answer.
        }
    });

    /// <summary>Requires <c>Authorization: &lt;token&gt;</c> on everything but the public pages.</summary>
    public static IApplicationBuilder UseApiToken(this IApplicationBuilder app, string? token)
    {
        if (token is null)
        {
            return app;
        }

        var expected = SHA256.HashData(Encoding.UTF8.GetBytes(token));
        return app.Use(async (context, next) =>
        {
            var path = context.Request.Path;
            var isPublic = path == "/" || path.StartsWithSegments("/metrics") || path.StartsWithSegments("/health") || path.StartsWithSegments("/openapi");
            var given = context.Request.Headers.Authorization.ToString();

            // Hashing first gives equal lengths, so the comparison time does not depend on the token.
            if (isPublic || CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(given)), expected))
            {
                await next(context).ConfigureAwait(false);
                return;
            }

            await ApiError.WriteAsync(context, StatusCodes.Status401Unauthorized, "unauthorized", "missing or wrong Authorization header; send Authorization: <API_TOKEN>").ConfigureAwait(false);
        });
    }

    /// <summary>Once shutdown has begun, new API calls are answered 503 so clients retry elsewhere.</summary>
    public static IApplicationBuilder UseShutdownGate(this IApplicationBuilder app)
    {
        var stopping = app.ApplicationServices.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        return app.Use(async (context, next) =>
        {
            if (stopping.IsCancellationRequested && (context.Request.Path.StartsWithSegments("/v1") || YouTubeApi.IsYouTubePath(context.Request.Path)))
            {
                context.Response.Headers.Connection = "close";
                await ApiError.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, "shutting_down", "the gateway is shutting down; retry on another instance", 5).ConfigureAwait(false);
                return;
            }

            await next(context).ConfigureAwait(false);
        });
    }

    /// <summary>Gives empty error responses (404 of an unknown route, 405, ...) a JSON body.</summary>
    public static IApplicationBuilder UseJsonStatusPages(this IApplicationBuilder app) =>
        app.UseStatusCodePages(context =>
        {
            var http = context.HttpContext;
            var status = http.Response.StatusCode;
            var kind = status switch
            {
                StatusCodes.Status404NotFound => "not_found",
                StatusCodes.Status405MethodNotAllowed => "method_not_allowed",
                _ => "invalid_request",
            };
            var message = status switch
            {
                StatusCodes.Status404NotFound => $"no route for {http.Request.Method} {http.Request.Path}",
                // Routing has set Allow to the methods the path takes.
                StatusCodes.Status405MethodNotAllowed => $"{http.Request.Method} is not allowed on {http.Request.Path}; use {http.Response.Headers.Allow}",
                _ => $"the request failed with status {status}",
            };
            return ApiError.WriteAsync(http, status, kind, message);
        });
}
