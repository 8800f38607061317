using System.Buffers;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace ActorPool.Gateway;

/// <summary>Why a request body was refused: the status, the error kind and a message naming the problem.</summary>
internal sealed record BodyError(int Status, string Kind, string Message)
{
    public IResult ToResult(string messagePrefix = "") => ApiError.Result(Status, Kind, messagePrefix + Message);
}

/// <summary>
/// The one way every JSON endpoint reads its body: bounded in size whatever the framing, strict UTF-8, parsed
/// with a depth bound and no duplicate properties, and (where the endpoint needs .NET strings) no string that
/// cannot become one. Every way a body can be bad ends as a <see cref="BodyError"/> (a 4xx), so no endpoint meets
/// a malformed body as an exception: a JsonElement built from invalid UTF-8 or a lone surrogate escape parses
/// fine and throws only later, in GetString or GetRawText, which is how such bodies once became empty 500s.
/// </summary>
internal static class JsonBody
{
    /// <summary>The deepest nesting accepted; deeper bodies are refused before any endpoint code runs.</summary>
    public const int MaxDepth = 64;

    private static readonly JsonDocumentOptions Options = new() { MaxDepth = MaxDepth, AllowDuplicateProperties = false };

    /// <summary>Reads and parses the body. The caller disposes the document.</summary>
    /// <param name="context">The request.</param>
    /// <param name="limit">The size bound in bytes (MAX_REQUEST_BYTES).</param>
    /// <param name="unicodeStringsOnly">Also refuse strings and property names holding a lone surrogate escape
    /// (<c>"\ud800"</c>): valid JSON grammar, but no .NET or Unicode string. The script API lets them through,
    /// since JavaScript strings may hold lone surrogates.</param>
    public static async Task<(JsonDocument? Document, BodyError? Error)> ReadAsync(HttpContext context, long limit, bool unicodeStringsOnly)
    {
        var (body, readError) = await ReadBytesAsync(context, limit).ConfigureAwait(false);
        if (readError is not null)
        {
            return (null, readError);
        }

        var bytes = body.Span;
        if (!Utf8.IsValid(bytes))
        {
            return (null, new BodyError(StatusCodes.Status400BadRequest, ApiError.InvalidRequest, $"the body is not valid UTF-8 (first invalid byte at offset {InvalidOffset(bytes)})"));
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, Options);
        }
        catch (JsonException ex)
        {
            return (null, new BodyError(StatusCodes.Status400BadRequest, ApiError.InvalidRequest, "the body is not valid JSON: " + ex.Message));
        }
        catch (InvalidOperationException)
        {
            // The duplicate-property check unescapes every property name, at any depth, and throws this (not a
            // JsonException) for a name holding a lone surrogate escape ({"\ud800": 1}): such bodies were the last
            // empty 500s (tests/ActorPool.Gateway.Tests/YouTube/JsonFuzzSpec.cs). Refused on every endpoint, the
            // script API too: a duplicate check cannot compare such names.
            return (null, new BodyError(StatusCodes.Status400BadRequest, ApiError.InvalidRequest, "a property name is not valid Unicode (a lone surrogate escape such as \\ud800); property names must be Unicode strings"));
        }

        if (unicodeStringsOnly && FindInvalidString(document.RootElement) is { } path)
        {
            // Only now is the path spelled out (valid bodies allocate nothing here).
            document.Dispose();
            return (null, new BodyError(StatusCodes.Status400BadRequest, ApiError.InvalidRequest, $"the string at {path} is not valid Unicode (a lone surrogate escape such as \\ud800)"));
        }

        return (document, null);
    }

    /// <summary>The body bytes, or why they could not be read: too large (whatever the framing) or cut off.</summary>
    public static async Task<(ReadOnlyMemory<byte> Body, BodyError? Error)> ReadBytesAsync(HttpContext context, long limit)
    {
        if (context.Request.ContentLength > limit)
        {
            // The body stays unread and Kestrel will not drain that much: it closes the connection after the
            // answer. Saying so keeps a client from sending its next request on a connection about to close.
            context.Response.Headers.Connection = "close";
            return (default, TooLarge(limit));
        }

        var buffer = new ArrayBufferWriter<byte>((int)Math.Min(context.Request.ContentLength ?? 4096, limit) + 1);
        try
        {
            while (true)
            {
                // Fill the buffer sized from Content-Length before growing it (a 4 KiB hint would grow it for every request).
                var memory = buffer.GetMemory(buffer.FreeCapacity > 0 ? 1 : 4096);
                var read = await context.Request.Body.ReadAsync(memory, context.RequestAborted).ConfigureAwait(false);
                if (read == 0)
                {
                    return (buffer.WrittenMemory, null);
                }

                buffer.Advance(read);
                if (buffer.WrittenCount > limit)
                {
                    context.Response.Headers.Connection = "close";
                    return (default, TooLarge(limit));
                }
            }
        }
        catch (BadHttpRequestException ex)
        {
            // After a framing error the connection cannot carry another request.
            context.Response.Headers.Connection = "close";
            // Kestrel's own verdicts on the body: over MaxRequestBodySize (chunked), broken chunked framing, a
            // client that sends too slowly (408), a body that ends before its Content-Length.
            return (default, ex.StatusCode == StatusCodes.Status413PayloadTooLarge
                ? TooLarge(limit)
                : new BodyError(ex.StatusCode, ApiError.InvalidRequest, "the request body could not be read: " + ex.Message));
        }
        catch (IOException ex)
        {
            // Kestrel reports some framing errors as a plain IOException rather than a BadHttpRequestException: a
            // chunk size that overflows is "Bad chunk size data" wrapping an OverflowException. A reset connection
            // is an IOException too; then the answer goes nowhere, which is harmless.
            context.Response.Headers.Connection = "close";
            return (default, new BodyError(StatusCodes.Status400BadRequest, ApiError.InvalidRequest, "the request body could not be read: " + ex.Message));
        }
    }

    /// <summary>The error for a body over the limit.</summary>
    public static BodyError TooLarge(long limit) =>
        new(StatusCodes.Status413PayloadTooLarge, ApiError.PayloadTooLarge, $"the request body is larger than {limit} bytes (MAX_REQUEST_BYTES)");

    private static int InvalidOffset(ReadOnlySpan<byte> bytes)
    {
        var offset = 0;
        while (offset < bytes.Length)
        {
            if (Rune.DecodeFromUtf8(bytes[offset..], out _, out var consumed) != OperationStatus.Done)
            {
                return offset;
            }

            offset += consumed;
        }

        return offset;
    }

    /// <summary>A JSON path to the first string or property name that is not valid UTF-16, or null.</summary>
    private static string? FindInvalidString(JsonElement element) =>
        FindInvalid(element) is { } reversed ? "$" + string.Concat(Enumerable.Reverse(reversed)) : null;

    /// <summary>The path segments (innermost first) to the first string that is not valid UTF-16; null when all are.</summary>
    private static List<string>? FindInvalid(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                return IsUnicode(element) ? null : [];
            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in element.EnumerateArray())
                {
                    if (FindInvalid(item) is { } found)
                    {
                        found.Add($"[{index}]");
                        return found;
                    }

                    index++;
                }

                return null;
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    if (!IsUnicodeName(property))
                    {
                        return [".<property name>"];
                    }

                    if (FindInvalid(property.Value) is { } found)
                    {
                        found.Add("." + property.Name);
                        return found;
                    }
                }

                return null;
            default:
                return null;
        }
    }

    /// <summary>Whether a property name is valid UTF-16; only a name with an escape can hold a lone surrogate.</summary>
    private static bool IsUnicodeName(JsonProperty property)
    {
        if (JsonMarshal.GetRawUtf8PropertyName(property).IndexOf((byte)'\\') < 0)
        {
            return true;
        }

        try
        {
            _ = property.Name;
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private static bool IsUnicode(JsonElement element)
    {
        // The bytes were checked as UTF-8: only an escape (\ud800) can make a string that is not valid UTF-16.
        if (JsonMarshal.GetRawUtf8Value(element).IndexOf((byte)'\\') < 0)
        {
            return true;
        }

        try
        {
            // GetString refuses a lone surrogate escape with InvalidOperationException (the UTF-8 was checked above).
            _ = element.GetString();
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }
}
