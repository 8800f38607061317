using System.Text;
using Microsoft.Extensions.DependencyInjection;
using System.Text.Json;

namespace ActorPool.Gateway.Tests.YouTube;

/// <summary>
/// Byte-level bodies on every POST endpoint, written to the socket as they are (no client library in between):
/// invalid UTF-8, NUL bytes, lone surrogates, every truncation of a valid body, deep nesting, huge numbers, wrong
/// and missing content types, chunked bodies (valid and broken), bodies that stop before their declared end, clients
/// that reset mid-body, and odd query strings on the GET endpoints. Each class of body gets its exact status and JSON
/// error kind (400 <c>invalid_request</c> unless the test says otherwise; never 5xx, never an empty body, never a
/// hang), and the gateway serves correctly afterwards.
/// </summary>
[Collection(YouTubeSerial.Name)]
public sealed class ByteFuzzSpec(YouTubeWorld world) : IClassFixture<YouTubeWorld>
{
    private const string Stream = "https://r.googlevideo.com/videoplayback?n=abc&sp=sig&s=xyz";

    private static readonly PlayerVector Small = YouTubeFixtures.Small;

    /// <summary>Per endpoint: bodies with one slot (<c>@</c>) where a string's content goes.</summary>
    private static readonly (string Path, string[] Templates)[] Endpoints =
    [
        ("/decrypt_signature", [
            "{\"player_url\":\"@\",\"n_param\":\"abc\"}",
            $"{{\"player_url\":\"{Small.PlayerUrl}\",\"encrypted_signature\":\"@\"}}",
            $"{{\"player_url\":\"{Small.PlayerUrl}\",\"n_param\":\"@\"}}",
            $"{{\"@\":1,\"player_url\":\"{Small.PlayerUrl}\",\"n_param\":\"abc\"}}",
        ]),
        ("/get_sts", [
            "{\"player_url\":\"@\"}",
            $"{{\"player_url\":\"{Small.PlayerUrl}\",\"@\":true}}",
        ]),
        ("/resolve_url", [
            $"{{\"player_url\":\"{Small.PlayerUrl}\",\"stream_url\":\"@\"}}",
            $"{{\"player_url\":\"@\",\"stream_url\":\"{Stream}\"}}",
            $"{{\"player_url\":\"{Small.PlayerUrl}\",\"stream_url\":\"{Stream}\",\"encrypted_signature\":\"@\"}}",
            $"{{\"player_url\":\"{Small.PlayerUrl}\",\"stream_url\":\"{Stream}\",\"encrypted_signature\":\"{Small.Sig[0].Input}\",\"signature_key\":\"@\"}}",
            $"{{\"player_url\":\"{Small.PlayerUrl}\",\"stream_url\":\"{Stream}\",\"n_param\":\"@\"}}",
        ]),
        ("/v1/scripts/faults/echo", [
            "{\"args\":[\"@\"]}",
            "{\"args\":[{\"@\":1}]}",
            "{\"@\":1,\"args\":[]}",
        ]),
    ];

    /// <summary>Byte sequences that are not UTF-8, or JSON escapes that are not a Unicode string.</summary>
    private static readonly (string Name, byte[] Bytes)[] BadStrings =
    [
        ("byte FF", [0x61, 0xff, 0x62]),
        ("bytes FE FF", [0xfe, 0xff]),
        ("lone continuation byte", [0x80]),
        ("overlong slash C0 AF", [0xc0, 0xaf]),
        ("overlong NUL C0 80", [0xc0, 0x80]),
        ("UTF-8 encoded surrogate ED A0 80", [0xed, 0xa0, 0x80]),
        ("truncated 3-byte sequence", [0xe2, 0x82]),
        ("truncated 4-byte sequence at the end of the string", [0x61, 0xf0, 0x9f, 0x98]),
        ("code point above U+10FFFF", [0xf4, 0x90, 0x80, 0x80]),
        ("5-byte form", [0xf8, 0x88, 0x80, 0x80, 0x80]),
        ("raw NUL", [0x61, 0x00, 0x62]),
        ("raw control byte 01", [0x01]),
        ("raw newline", [0x0a]),
    ];

    /// <summary>Escapes that JSON's grammar allows but that name no Unicode scalar (lone surrogates).</summary>
    private static readonly string[] LoneSurrogates = ["\\ud800", "\\udfff", "a\\ud800b", "\\udc00\\ud800", "\\ud83d"];

    [Fact]
    public async Task Invalid_utf8_and_control_bytes_in_any_string_should_be_answered_400_json_on_every_endpoint()
    {
        var failures = new List<string>();
        foreach (var (path, templates) in Endpoints)
        {
            foreach (var template in templates)
            {
                foreach (var (name, bytes) in BadStrings)
                {
                    await ExpectErrorAsync(failures, path, Fill(template, bytes), $"{name} in {template}");
                }
            }
        }

        Assert.True(failures.Count == 0, $"{failures.Count} answers were not the expected 400 invalid_request JSON error:\n" + string.Join('\n', failures.Take(20)));
        await AssertHealthyAsync();
    }

    [Fact]
    public async Task Lone_surrogate_escapes_should_be_answered_400_json_where_a_string_is_required()
    {
        // The script API hands JSON to JavaScript, whose strings may hold lone surrogates: there they are valid data.
        var failures = new List<string>();
        foreach (var (path, templates) in Endpoints.Where(e => !e.Path.StartsWith("/v1/", StringComparison.Ordinal)))
        {
            foreach (var template in templates.Where(t => !t.StartsWith("{\"@\"", StringComparison.Ordinal) && !t.Contains(",\"@\":", StringComparison.Ordinal)))
            {
                foreach (var escape in LoneSurrogates)
                {
                    await ExpectErrorAsync(failures, path, Fill(template, Encoding.ASCII.GetBytes(escape)), $"{escape} in {template}");
                }
            }
        }

        Assert.True(failures.Count == 0, $"{failures.Count} answers were not the expected 400 invalid_request JSON error:\n" + string.Join('\n', failures.Take(20)));
        foreach (var escape in LoneSurrogates)
        {
            var answer = await RawHttp.SendAsync(world.Gateway.Client.BaseAddress!, RawHttp.Request("POST", "/v1/scripts/faults/echo", Encoding.ASCII.GetBytes($"{{\"args\":[\"{escape}\"]}}")));
            Assert.True(answer.Status == 200, $"{escape}: {answer.Status} {answer.Text}");
            using var result = JsonDocument.Parse(answer.Body);
            Assert.Equal(JsonValueKind.String, result.RootElement.GetProperty("result").ValueKind);
        }

        await AssertHealthyAsync();
    }

    [Fact]
    public async Task Every_truncation_of_a_valid_body_should_be_answered_400_json()
    {
        var failures = new List<string>();
        foreach (var (path, templates) in Endpoints)
        {
            var valid = Fill(templates[0], "x"u8.ToArray());
            for (var length = 0; length < valid.Length; length++)
            {
                AssertMalformed(valid[..length], $"{path}: first {length} bytes");
                await ExpectErrorAsync(failures, path, valid[..length], $"first {length} of {valid.Length} bytes");
            }
        }

        Assert.True(failures.Count == 0, $"{failures.Count} answers were not the expected 400 invalid_request JSON error:\n" + string.Join('\n', failures.Take(20)));
        await AssertHealthyAsync();
    }

    [Fact]
    public async Task Structural_garbage_deep_nesting_and_wrong_shapes_should_be_answered_400_invalid_request()
    {
        var deep = new string('[', 100_000);
        var bodies = new List<(string Name, byte[] Bytes)>
        {
            ("NUL bytes only", [0, 0, 0, 0]),
            ("a NUL between tokens", Encoding.ASCII.GetBytes("{\"args\":[1]\0}")),
            ("a NUL before the body", Encoding.ASCII.GetBytes("\0{\"args\":[1]}")),
            ("100,000 open brackets", Encoding.ASCII.GetBytes(deep)),
            ("65 nested arrays", Encoding.ASCII.GetBytes("{\"args\":" + new string('[', 65) + new string(']', 65) + "}")),
            ("1,000 nested objects", Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("{\"a\":", 1000)) + "1" + new string('}', 1000))),
            ("a bare string", "\"player_url\""u8.ToArray()),
            ("a bare huge number", Encoding.ASCII.GetBytes("1e999999")),
            ("an array", "[{\"args\":[]}]"u8.ToArray()),
            ("null", "null"u8.ToArray()),
            ("two objects", "{}{}"u8.ToArray()),
            ("a trailing comma", "{\"args\":[1,],}"u8.ToArray()),
            ("a comment", "{/* c */\"args\":[]}"u8.ToArray()),
            ("single quotes", "{'args':[1]}"u8.ToArray()),
            ("UTF-16 text", Encoding.Unicode.GetBytes("{\"args\":[1]}")),
            ("UTF-32 text", Encoding.UTF32.GetBytes("{\"args\":[1]}")),
            ("a number as a field", "{\"player_url\":1e400,\"args\":1e400}"u8.ToArray()),
            ("a 100,000-digit number as a field", Encoding.ASCII.GetBytes("{\"player_url\":" + new string('9', 100_000) + ",\"args\":" + new string('9', 100_000) + "}")),
            ("an object as a field", "{\"player_url\":{\"a\":1},\"args\":{\"a\":1}}"u8.ToArray()),
            ("a duplicate field of the wrong type", Encoding.ASCII.GetBytes($"{{\"player_url\":\"{Small.PlayerUrl}\",\"player_url\":[1],\"args\":[],\"args\":7}}")),
            ("random bytes", RandomBytes(1, 300)),
            ("more random bytes", RandomBytes(2, 3000)),
        };

        // Valid JSON of the wrong shape (a root that is not an object, a field of the wrong type, a duplicate field):
        // 400 by the shape rules; everything else is malformed by the oracle's reading.
        string[] wrongShape = ["a bare string", "a bare huge number", "an array", "null", "a number as a field", "a 100,000-digit number as a field", "an object as a field", "a duplicate field of the wrong type"];
        foreach (var (name, bytes) in bodies)
        {
            if (wrongShape.Contains(name))
            {
                using var parsed = JsonDocument.Parse(bytes);
            }
            else
            {
                AssertMalformed(bytes, name);
            }
        }

        var failures = new List<string>();
        foreach (var (path, _) in Endpoints)
        {
            foreach (var (name, bytes) in bodies)
            {
                await ExpectErrorAsync(failures, path, bytes, name);
            }
        }

        Assert.True(failures.Count == 0, $"{failures.Count} answers were not the expected 400 invalid_request JSON error:\n" + string.Join('\n', failures.Take(20)));
        await AssertHealthyAsync();
    }

    [Fact]
    public async Task Huge_numbers_and_deep_values_that_are_valid_json_should_never_get_a_5xx()
    {
        var bodies = new[]
        {
            "{\"args\":[1e999999]}",
            "{\"args\":[-1e-999999]}",
            "{\"args\":[" + new string('9', 50_000) + "]}",
            "{\"args\":[" + new string('[', 60) + new string(']', 60) + "]}",
            "{\"args\":[\"\\u0000\"]}",
            "{\"args\":[\"\\ud83d\\ude00\"]}",
        };
        foreach (var body in bodies)
        {
            var answer = await RawHttp.SendAsync(world.Gateway.Client.BaseAddress!, RawHttp.Request("POST", "/v1/scripts/faults/echo", Encoding.ASCII.GetBytes(body)));
            Assert.True(answer.Status == 200, $"{RawHttp.Show(Encoding.ASCII.GetBytes(body))}: {answer.Status} {answer.Text}");
            using var parsed = JsonDocument.Parse(answer.Body);
            Assert.True(parsed.RootElement.TryGetProperty("result", out _), answer.Text);
        }

        // A NUL in a YouTube field is JSON-valid but never a player URL, a signature key or a stream URL.
        var failures = new List<string>();
        foreach (var (path, templates) in Endpoints.Where(e => !e.Path.StartsWith("/v1/", StringComparison.Ordinal)))
        {
            await ExpectErrorAsync(failures, path, Fill(templates[0], "\\u0000"u8.ToArray()), "escaped NUL in " + templates[0]);
        }

        Assert.True(failures.Count == 0, string.Join('\n', failures));
        await AssertHealthyAsync();
    }

    [Fact]
    public async Task Content_types_should_be_checked_by_the_script_api_and_never_break_an_endpoint()
    {
        var valid = "{\"args\":[\"x\"]}"u8.ToArray();
        var failures = new List<string>();
        foreach (var type in new[] { null, "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", ";;;", "application/", "*/*" })
        {
            var answer = await RawHttp.SendAsync(world.Gateway.Client.BaseAddress!, RawHttp.Request("POST", "/v1/scripts/faults/echo", valid, type));
            if (answer.Status != 415)
            {
                failures.Add($"Content-Type {type ?? "(none)"}: {answer.Status} {answer.Text}");
            }
            else
            {
                Assert.Equal("invalid_request", answer.JsonError(type ?? "(none)").Kind);
            }

            // yt-cipher reads the body whatever its declared type; a malformed one is still a 400.
            foreach (var (path, _) in Endpoints.Where(e => !e.Path.StartsWith("/v1/", StringComparison.Ordinal)))
            {
                await ExpectErrorAsync(failures, path, [0xff, 0x7b], "Content-Type " + (type ?? "(none)"), contentType: type);
            }
        }

        // A JSON type with a charset that is not UTF-8: the bytes are still read as UTF-8 JSON, so UTF-16 is a 400.
        await ExpectErrorAsync(failures, "/v1/scripts/faults/echo", Encoding.Unicode.GetBytes("{\"args\":[1]}"), "UTF-16 body", contentType: "application/json; charset=utf-16");
        Assert.True(failures.Count == 0, string.Join('\n', failures));
        await AssertHealthyAsync();
    }

    [Fact]
    public async Task Chunked_bodies_should_be_read_and_broken_framing_answered_400_json()
    {
        var server = world.Gateway.Client.BaseAddress!;
        var good = Encoding.ASCII.GetBytes($"{{\"player_url\":\"{Small.PlayerUrl}\",\"encrypted_signature\":\"{Small.Sig[0].Input}\"}}");
        var answer = await RawHttp.SendAsync(server, RawHttp.Request("POST", "/decrypt_signature", RawHttp.Chunked(good), framing: "Transfer-Encoding: chunked"));
        Assert.True(answer.Status == 200, answer.Text);
        using (var parsed = JsonDocument.Parse(answer.Body))
        {
            Assert.Equal(Small.Sig[0].Output, parsed.RootElement.GetProperty("decrypted_signature").GetString());
        }

        answer = await RawHttp.SendAsync(server, RawHttp.Request("POST", "/v1/scripts/faults/add", RawHttp.Chunked("{\"args\":[2,3]}"u8.ToArray(), 1), framing: "Transfer-Encoding: chunked"));
        Assert.Equal("{\"result\":5}", answer.Text);

        // Framing errors Kestrel sees at once (stalled chunked bodies are in the 408 test below).
        var broken = new (string Name, byte[] Body)[]
        {
            ("a size that is not hex", "zz\r\n{\"args\":[1]}\r\n0\r\n\r\n"u8.ToArray()),
            ("a size that overflows", "ffffffffffffffffffff\r\n{}\r\n0\r\n\r\n"u8.ToArray()),
            ("a chunk without its CRLF", "3\r\nabcdef0\r\n\r\n"u8.ToArray()),
            ("a negative size", "-1\r\n{}\r\n0\r\n\r\n"u8.ToArray()),
        };
        var failures = new List<string>();
        foreach (var (path, _) in Endpoints)
        {
            foreach (var (name, body) in broken)
            {
                await ExpectErrorAsync(failures, path, body, "chunked: " + name, framing: "Transfer-Encoding: chunked");
            }
        }

        Assert.True(failures.Count == 0, string.Join('\n', failures));
        await AssertHealthyAsync();
    }

    [Fact]
    public async Task A_body_that_stops_mid_way_should_be_answered_408_json_and_not_hang()
    {
        // The client keeps the connection open but sends no more: Kestrel's minimum body data rate (240 B/s after
        // a 5 s grace) ends the read, and the endpoint answers 408 with a JSON error. All run at once, so the
        // whole test waits for one grace period.
        var cases = new List<(string Path, byte[] Body, string What, string Framing)>();
        foreach (var (path, templates) in Endpoints)
        {
            var valid = Fill(templates[0], "x"u8.ToArray());
            foreach (var sent in new[] { 0, valid.Length / 2, valid.Length - 1 })
            {
                cases.Add((path, valid[..sent], $"{sent} of a declared {valid.Length} bytes", $"Content-Length: {valid.Length}"));
            }

            cases.Add((path, RawHttp.Chunked(valid, terminate: false), "chunked without the final chunk", "Transfer-Encoding: chunked"));
            cases.Add((path, "10\r\n{\"args\""u8.ToArray(), "chunked, a chunk cut short", "Transfer-Encoding: chunked"));
        }

        var answers = await Task.WhenAll(cases.Select(async c => (Case: c, Answer: await RawHttp.SendAsync(world.Gateway.Client.BaseAddress!, RawHttp.Request("POST", c.Path, c.Body, framing: c.Framing)))));
        var failures = new List<string>();
        foreach (var ((path, body, what, _), answer) in answers)
        {
            var context = $"{path} [{what}] {RawHttp.Show(body)}";
            if (answer.Status != 408)
            {
                failures.Add($"{context} => {answer.Status} '{RawHttp.Show(answer.Body)}'");
                continue;
            }

            try
            {
                Assert.Equal("invalid_request", answer.JsonError(context).Kind);
            }
            catch (Xunit.Sdk.XunitException ex)
            {
                failures.Add(ex.Message);
            }
        }

        Assert.True(failures.Count == 0, string.Join('\n', failures));
        await AssertHealthyAsync();
    }

    [Fact]
    public async Task A_declared_length_over_the_limit_should_be_answered_413_without_waiting_for_the_body()
    {
        foreach (var (path, templates) in Endpoints)
        {
            var valid = Fill(templates[0], "x"u8.ToArray());
            var answer = await RawHttp.SendAsync(world.Gateway.Client.BaseAddress!, RawHttp.Request("POST", path, valid, framing: "Content-Length: 9223372036854775807"));
            Assert.True(answer.Status == 413, $"{path}: {answer.Status} {answer.Text}");
            Assert.Equal("payload_too_large", answer.JsonError(path).Kind);
        }

        await AssertHealthyAsync();
    }

    [Fact]
    public async Task Bodies_over_the_limit_should_be_answered_413_payload_too_large_whatever_the_framing()
    {
        var server = world.Gateway.Client.BaseAddress!;
        var limit = world.Gateway.App.Services.GetRequiredService<GatewaySettings>().MaxRequestBytes;
        var big = Encoding.ASCII.GetBytes("{\"args\":[\"" + new string('a', (int)limit) + "\"]}");
        foreach (var (path, _) in Endpoints)
        {
            foreach (var (framing, body) in new[] { ((string?)null, big), ("Transfer-Encoding: chunked", RawHttp.Chunked(big, 8192)) })
            {
                var answer = await RawHttp.SendAsync(server, RawHttp.Request("POST", path, body, framing: framing));
                Assert.True(answer.Status == 413, $"{path} {framing ?? "Content-Length"}: {answer.Status} {answer.Text}");
                var (error, kind) = answer.JsonError(path);
                Assert.Equal("payload_too_large", kind);
                Assert.Contains("MAX_REQUEST_BYTES", error, StringComparison.Ordinal);
            }
        }

        await AssertHealthyAsync();
    }

    [Fact]
    public async Task Clients_that_reset_mid_body_should_leave_the_gateway_serving()
    {
        var server = world.Gateway.Client.BaseAddress!;
        foreach (var (path, templates) in Endpoints)
        {
            var valid = Fill(templates[0], "x"u8.ToArray());
            var head = RawHttp.Request("POST", path, valid);
            var headLength = head.Length - valid.Length;
            foreach (var cut in new[] { headLength, headLength + 1, headLength + (valid.Length / 2) })
            {
                await RawHttp.AbortAsync(server, head[..cut]);
            }

            var chunked = RawHttp.Request("POST", path, RawHttp.Chunked(valid), framing: "Transfer-Encoding: chunked");
            await RawHttp.AbortAsync(server, chunked[..(chunked.Length - 10)]);
        }

        await AssertHealthyAsync();
    }

    [Fact]
    public async Task Get_endpoints_with_odd_query_strings_should_never_get_a_5xx_and_errors_are_json()
    {
        var server = world.Gateway.Client.BaseAddress!;
        var queries = new[] { "?%ff%fe", "?%00=%00", "?a=%zz", "?" + new string('a', 4000), "?&&&==&", "?a=1&a=2&a[]=x", "?%c0%af", "?%ed%a0%80" };
        var targets = new[] { "/", "/v1/pool", "/health/live", "/health/ready", "/metrics", "/openapi/v1.json" };
        var failures = new List<string>();
        foreach (var target in targets)
        {
            foreach (var query in queries)
            {
                var answer = await RawHttp.SendAsync(server, RawHttp.Request("GET", target + query, [], contentType: null));
                if (answer.Status != 200)
                {
                    failures.Add($"GET {target}{query}: {answer.Status} {answer.Text}");
                }
            }
        }

        // Routes that exist for POST only: any other method is 405 method_not_allowed with Allow: POST.
        foreach (var target in new[] { "/decrypt_signature", "/get_sts", "/resolve_url", "/v1/scripts/faults/echo" })
        {
            foreach (var query in queries)
            {
                var answer = await RawHttp.SendAsync(server, RawHttp.Request("GET", target + query, [], contentType: null));
                if (answer.Status != 405 || answer.Headers.GetValueOrDefault("Allow") != "POST")
                {
                    failures.Add($"GET {target}{query}: {answer.Status} Allow '{answer.Headers.GetValueOrDefault("Allow")}' {answer.Text}");
                }
                else
                {
                    Assert.Equal("method_not_allowed", answer.JsonError(target).Kind);
                }
            }
        }

        Assert.True(failures.Count == 0, string.Join('\n', failures));
    }

    [Fact]
    public async Task Odd_module_and_function_names_should_be_answered_400_or_404_as_their_names_say()
    {
        var failures = new List<string>();
        // An encoded NUL in the path (%00) is refused by Kestrel itself, before any application code, with an
        // empty 400 that no middleware can reach; it is left out here.
        // Expected per docs/gateway.md: a name outside 1..128 of [A-Za-z0-9_-.$] (or starting with '.') is 400
        // invalid_request; a valid name that no module exports is 404 module_not_found (prototype members are not
        // exports); a path that after percent-decoding and dot-segment removal is no route is 404 not_found.
        var names = new (string Target, int Status, string Kind)[]
        {
            ("/v1/scripts/%ff%fe/echo", 400, "invalid_request"),
            ("/v1/scripts/faults/%ed%a0%80", 400, "invalid_request"),
            ("/v1/scripts/..%2F..%2Fetc%2Fpasswd/echo", 400, "invalid_request"),
            ("/v1/scripts/..%5C..%5Cwindows/echo", 400, "invalid_request"),
            ("/v1/scripts/%2E%2E/echo", 404, "not_found"),
            ("/v1/scripts/" + new string('m', 3000) + "/echo", 400, "invalid_request"),
            ("/v1/scripts/faults/" + new string('f', 3000), 400, "invalid_request"),
            ("/v1/scripts/faults/__proto__", 404, "module_not_found"),
            ("/v1/scripts/faults/constructor", 404, "module_not_found"),
            ("/v1/scripts/faults/toString", 404, "module_not_found"),
            ("/v1/scripts/faults/default", 404, "module_not_found"),
            ("/v1/scripts/faults/then", 404, "module_not_found"),
            ("/v1/scripts/con/echo", 404, "module_not_found"),
            ("/v1/scripts/faults.mjs/echo", 404, "module_not_found"),
            ("/v1/scripts/%20/echo", 400, "invalid_request"),
        };
        foreach (var (target, status, kind) in names)
        {
            await ExpectErrorAsync(failures, target, "{\"args\":[1]}"u8.ToArray(), target, status, kind);
        }

        Assert.True(failures.Count == 0, string.Join('\n', failures));
        await AssertHealthyAsync();
    }

    /// <summary>
    /// Sends one body; records a failure unless the answer is exactly <paramref name="status"/> with a JSON error of
    /// <paramref name="kind"/> (docs/gateway.md, "Errors": a body that is not UTF-8 JSON of the right shape is 400
    /// <c>invalid_request</c>).
    /// </summary>
    private async Task ExpectErrorAsync(List<string> failures, string path, byte[] body, string what, int status = 400, string kind = "invalid_request", string? contentType = "application/json", string? framing = null)
    {
        var answer = await RawHttp.SendAsync(world.Gateway.Client.BaseAddress!, RawHttp.Request("POST", path, body, contentType, framing));
        var context = $"{path} [{what}] {RawHttp.Show(body)}";
        if (answer.Status != status)
        {
            failures.Add($"{context} => {answer.Status} (expected {status} {kind}) '{RawHttp.Show(answer.Body)}'");
            return;
        }

        try
        {
            var (_, got) = answer.JsonError(context);
            if (got != kind)
            {
                failures.Add($"{context} => {answer.Status} kind '{got}' (expected '{kind}')");
            }
        }
        catch (Xunit.Sdk.XunitException ex)
        {
            failures.Add(ex.Message);
        }
    }

    /// <summary>
    /// The oracle for bodies whose class the mutation does not fix (random bytes, truncations): a body that strict
    /// UTF-8 decoding or System.Text.Json (the JSON grammar, depth 64) refuses is 400 <c>invalid_request</c>
    /// (docs/gateway.md, "Errors"). A body the oracle accepts would need the endpoint's own rules, so the generated
    /// bodies are asserted to be refused by it first: a generator that makes valid JSON fails the test here.
    /// </summary>
    private static void AssertMalformed(byte[] body, string what)
    {
        try
        {
            _ = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(body);
            using var document = JsonDocument.Parse(body);
        }
        catch (Exception ex) when (ex is DecoderFallbackException or JsonException)
        {
            return;
        }

        throw new Xunit.Sdk.XunitException($"{what}: the oracle reads {RawHttp.Show(body)} as valid JSON; the test assumes it is malformed");
    }

    /// <summary>After the abuse: health is green, a script call and a decryption give the right answers.</summary>
    private async Task AssertHealthyAsync()
    {
        using (var ready = await world.Gateway.Client.GetAsync("/health/ready"))
        {
            Assert.Equal(200, (int)ready.StatusCode);
        }

        var (addStatus, sum) = await world.Gateway.CallAsync("faults", "add", "{\"args\":[20,22]}").ReadAsync();
        Assert.Equal(200, addStatus);
        Assert.Equal(42, sum.GetProperty("result").GetInt32());
        var (decryptStatus, decrypted) = await world.Gateway.PostJsonAsync("/decrypt_signature", new { player_url = Small.PlayerUrl, encrypted_signature = Small.Sig[0].Input, n_param = Small.N[0].Input }).ReadAsync();
        Assert.Equal(200, decryptStatus);
        Assert.Equal(Small.Sig[0].Output, decrypted.GetProperty("decrypted_signature").GetString());
        Assert.Equal(Small.N[0].Output, decrypted.GetProperty("decrypted_n_sig").GetString());
    }

    private static byte[] Fill(string template, byte[] content)
    {
        var at = template.IndexOf('@', StringComparison.Ordinal);
        return [.. Encoding.UTF8.GetBytes(template[..at]), .. content, .. Encoding.UTF8.GetBytes(template[(at + 1)..])];
    }

    private static byte[] RandomBytes(int seed, int length)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        bytes[0] = (byte)'{';
        return bytes;
    }
}
