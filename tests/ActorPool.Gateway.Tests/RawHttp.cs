using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace ActorPool.Gateway.Tests;

/// <summary>
/// HTTP/1.1 written byte by byte over a socket, for requests no HttpClient sends: invalid UTF-8, a declared length
/// the body never reaches, broken chunked framing, a client that stops sending half-way.
/// </summary>
public static class RawHttp
{
    /// <summary>How long any raw exchange may take before the test calls it a hang.</summary>
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    /// <summary>A complete request: head with <c>Connection: close</c>, then the body bytes as given.</summary>
    public static byte[] Request(string method, string target, byte[] body, string? contentType = "application/json", string? framing = null)
    {
        var head = new StringBuilder();
        head.Append(method).Append(' ').Append(target).Append(" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
        if (contentType is not null)
        {
            head.Append("Content-Type: ").Append(contentType).Append("\r\n");
        }

        head.Append(framing ?? $"Content-Length: {body.Length}").Append("\r\n\r\n");
        return [.. Encoding.ASCII.GetBytes(head.ToString()), .. body];
    }

    /// <summary>A body in chunked transfer encoding, split in chunks of <paramref name="size"/> bytes.</summary>
    public static byte[] Chunked(byte[] body, int size = 7, bool terminate = true)
    {
        var output = new List<byte>();
        for (var at = 0; at < body.Length; at += size)
        {
            var n = Math.Min(size, body.Length - at);
            output.AddRange(Encoding.ASCII.GetBytes($"{n:x}\r\n"));
            output.AddRange(body.AsSpan(at, n).ToArray());
            output.AddRange("\r\n"u8.ToArray());
        }

        if (terminate)
        {
            output.AddRange("0\r\n\r\n"u8.ToArray());
        }

        return [.. output];
    }

    /// <summary>Sends <paramref name="request"/> and reads the whole answer (the server closes after it) within <see cref="Bound"/>.</summary>
    public static async Task<RawResponse> SendAsync(Uri server, byte[] request)
    {
        using var timeout = new CancellationTokenSource(Bound);
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(server.Host, server.Port, timeout.Token);
            await socket.SendAsync(request, SocketFlags.None, timeout.Token);

            var answer = new MemoryStream();
            var buffer = new byte[8192];
            int read;
            while ((read = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token)) > 0)
            {
                answer.Write(buffer, 0, read);
            }

            return RawResponse.Parse(answer.ToArray());
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            throw new Xunit.Sdk.XunitException($"no complete answer within {Bound.TotalSeconds} s (a hang) to: {Show(request)}");
        }
    }

    /// <summary>Sends the head and part of a body, then resets the connection without waiting for an answer.</summary>
    public static async Task AbortAsync(Uri server, byte[] partialRequest)
    {
        using var timeout = new CancellationTokenSource(Bound);
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(server.Host, server.Port, timeout.Token);
        await socket.SendAsync(partialRequest, SocketFlags.None, timeout.Token);

        // Linger 0: close sends RST, as a client process that dies does.
        socket.LingerState = new LingerOption(true, 0);
        socket.Close();
    }

    /// <summary>A request or body for a failure message: printable ASCII kept, other bytes as \xNN, shortened.</summary>
    public static string Show(byte[] bytes)
    {
        var text = new StringBuilder();
        foreach (var b in bytes.Take(200))
        {
            text.Append(b is >= 0x20 and < 0x7f ? ((char)b).ToString() : $"\\x{b:x2}");
        }

        return bytes.Length > 200 ? text.Append($"… ({bytes.Length} bytes)").ToString() : text.ToString();
    }
}

/// <summary>A parsed HTTP/1.1 answer.</summary>
public sealed record RawResponse(int Status, IReadOnlyDictionary<string, string> Headers, byte[] Body)
{
    public string Text => Encoding.UTF8.GetString(Body);

    public static RawResponse Parse(byte[] answer)
    {
        var end = answer.AsSpan().IndexOf("\r\n\r\n"u8);
        if (end < 0)
        {
            throw new Xunit.Sdk.XunitException($"the answer has no complete head: '{RawHttp.Show(answer)}'");
        }

        var lines = Encoding.ASCII.GetString(answer, 0, end).Split("\r\n");
        var status = int.Parse(lines[0].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
        }

        var body = answer[(end + 4)..];
        if (headers.TryGetValue("Transfer-Encoding", out var te) && te.Contains("chunked", StringComparison.OrdinalIgnoreCase))
        {
            body = Unchunk(body);
        }
        else if (headers.TryGetValue("Content-Length", out var length))
        {
            body = body[..int.Parse(length, System.Globalization.CultureInfo.InvariantCulture)];
        }

        return new RawResponse(status, headers, body);
    }

    /// <summary>The JSON error body <c>{"error": "...", "kind": "..."}</c>, or a test failure naming what came instead.</summary>
    public (string Error, string Kind) JsonError(string context)
    {
        try
        {
            using var document = JsonDocument.Parse(Body);
            var error = document.RootElement.GetProperty("error").GetString();
            var kind = document.RootElement.GetProperty("kind").GetString();
            if (string.IsNullOrWhiteSpace(error) || string.IsNullOrWhiteSpace(kind))
            {
                throw new Xunit.Sdk.XunitException($"{context}: status {Status} with an empty error or kind: '{Text}'");
            }

            return (error, kind);
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new Xunit.Sdk.XunitException($"{context}: status {Status} without a JSON error body: '{RawHttp.Show(Body)}'");
        }
    }

    private static byte[] Unchunk(byte[] body)
    {
        var output = new List<byte>();
        var at = 0;
        while (at < body.Length)
        {
            var lineEnd = body.AsSpan(at).IndexOf("\r\n"u8);
            var size = Convert.ToInt32(Encoding.ASCII.GetString(body, at, lineEnd).Split(';')[0], 16);
            at += lineEnd + 2;
            if (size == 0)
            {
                break;
            }

            output.AddRange(body.AsSpan(at, size).ToArray());
            at += size + 2;
        }

        return [.. output];
    }
}
