using System.Text.Json.Serialization;
using ActorPool.Protocol;
using ActorPool.Telemetry;

namespace ActorPool.Gateway;

/// <summary>The body of every error response: <c>{"error": "...", "kind": "..."}</c>.</summary>
internal sealed record ApiError(
    [property: JsonPropertyName("error")] string Error,
    [property: JsonPropertyName("kind")] string Kind)
{
    /// <summary>The kind of a 400/408/415 about the request itself (malformed body, wrong shape, wrong type).</summary>
    public const string InvalidRequest = "invalid_request";

    /// <summary>The kind of a 413: the body is over MAX_REQUEST_BYTES, whether it declared its length or not.</summary>
    public const string PayloadTooLarge = "payload_too_large";

    public static IResult Result(int status, string kind, string message, int? retryAfterSeconds = null) =>
        new ErrorResult(status, new ApiError(message, kind), retryAfterSeconds);

    /// <summary>The HTTP status, and Retry-After seconds, that answer a failure kind.</summary>
    public static (int Status, int? RetryAfter) StatusOf(FailureKind kind) => kind switch
    {
        FailureKind.InvalidRequest => (StatusCodes.Status400BadRequest, null),
        FailureKind.ModuleNotFound => (StatusCodes.Status404NotFound, null),
        FailureKind.ScriptError or FailureKind.LimitExceeded => (StatusCodes.Status422UnprocessableEntity, null),
        FailureKind.Overloaded or FailureKind.QueueExpired => (StatusCodes.Status503ServiceUnavailable, 1),
        FailureKind.PoolUnavailable or FailureKind.ShuttingDown => (StatusCodes.Status503ServiceUnavailable, 5),
        FailureKind.Timeout => (StatusCodes.Status504GatewayTimeout, null),
        FailureKind.Cancelled => (499, null),
        _ => (StatusCodes.Status500InternalServerError, null),
    };

    public static IResult From(ScriptPoolException failure)
    {
        var (status, retryAfter) = StatusOf(failure.Kind);
        return Result(status, PoolMetrics.Snake(failure.Kind), failure.Message, retryAfter);
    }

    public static Task WriteAsync(HttpContext context, int status, string kind, string message, int? retryAfterSeconds = null) =>
        Result(status, kind, message, retryAfterSeconds).ExecuteAsync(context);

    private sealed class ErrorResult(int status, ApiError body, int? retryAfter) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            if (retryAfter is { } seconds)
            {
                httpContext.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            return Results.Json(body, statusCode: status).ExecuteAsync(httpContext);
        }
    }
}
