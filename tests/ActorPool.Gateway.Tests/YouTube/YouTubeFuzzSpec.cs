using System.Text;
using System.Text.Json;

namespace ActorPool.Gateway.Tests.YouTube;

/// <summary>
/// Seeded random and mutated bodies: no 5xx except solver failures (500 solver_error) and players the upstream does
/// not have (mutated ids and regions are valid player URLs; the loopback YouTube answers 404, so 502), every request
/// answered within the bound, and the service still answers correctly afterwards. Well-formed requests on the
/// fixture player (string fields, whatever their content) never get solver_error.
/// </summary>
[Collection(YouTubeSerial.Name)]
public sealed class YouTubeFuzzSpec(YouTubeWorld world) : IClassFixture<YouTubeWorld>
{
    private const int Seed = 20260701;
    private const int Requests = 3000;

    private static readonly string[] Paths = ["/decrypt_signature", "/get_sts", "/resolve_url"];
    private static readonly string[] Fields = ["player_url", "encrypted_signature", "n_param", "signature_key", "stream_url"];

    [Fact]
    public async Task Random_and_mutated_bodies_should_never_get_a_5xx_other_than_a_solver_failure()
    {
        var random = new Random(Seed);
        var small = YouTubeFixtures.Small;
        var valid = new[]
        {
            JsonSerializer.Serialize(new { player_url = small.PlayerUrl, encrypted_signature = small.Sig[0].Input, n_param = small.N[0].Input }),
            JsonSerializer.Serialize(new { player_url = small.RelativeUrl }),
            JsonSerializer.Serialize(new { player_url = small.PlayerUrl, stream_url = "https://r.googlevideo.com/videoplayback?n=abc&sp=sig", encrypted_signature = small.Sig[1].Input }),
        };

        // Warm the player so that mutations exercise the solver rather than only the download.
        Assert.Equal(200, (await world.Gateway.PostRawAsync("/decrypt_signature", valid[0]).ReadAsync()).Status);

        var bad = new List<string>();
        var answers = new System.Collections.Concurrent.ConcurrentDictionary<(string Kind, string Input), string>();
        foreach (var vector in small.Sig)
        {
            answers[("sig", vector.Input)] = vector.Output;
        }

        foreach (var vector in small.N)
        {
            answers[("n", vector.Input)] = vector.Output;
        }

        var checkedAnswers = new System.Runtime.CompilerServices.StrongBox<int>();
        var solverErrors = new List<string>();
        var wellFormed = 0;
        using var limit = new SemaphoreSlim(8);
        var tasks = Enumerable.Range(0, Requests).Select(async i =>
        {
            string path;
            string body;
            lock (random)
            {
                path = Paths[random.Next(Paths.Length)];
                body = random.Next(4) switch
                {
                    0 => RandomBytes(random),
                    1 => Mutate(random, valid[random.Next(valid.Length)]),
                    2 => RandomObject(random, small),
                    _ => MutateValue(random, valid[random.Next(valid.Length)]),
                };
            }

            await limit.WaitAsync();
            try
            {
                using var response = await world.Gateway.PostRawAsync(path, body);
                var status = (int)response.StatusCode;
                var text = await response.Content.ReadAsStringAsync();
                if (IsWellFormed(body, small))
                {
                    Interlocked.Increment(ref wellFormed);
                    if (IsSolverFailure(status, text))
                    {
                        lock (solverErrors)
                        {
                            solverErrors.Add($"#{i} {path} {Shorten(body)} => {status} {Shorten(text)}");
                        }
                    }
                }

                if (status == 200 && CheckAnswer(path, body, text, small, answers, checkedAnswers) is { } wrong)
                {
                    lock (bad)
                    {
                        bad.Add($"#{i} {path} {Shorten(body)} => 200 {Shorten(text)}: {wrong}");
                    }
                }

                if (status >= 500 && !IsSolverFailure(status, text) && !IsUnknownPlayer(status, text))
                {
                    lock (bad)
                    {
                        bad.Add($"#{i} {path} {Shorten(body)} => {status} {Shorten(text)}");
                    }
                }
            }
            finally
            {
                limit.Release();
            }
        });

        await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromMinutes(3));

        Assert.True(bad.Count == 0, $"seed {Seed}: {bad.Count} unexpected 5xx or wrong 200s, e.g.\n" + string.Join('\n', bad.Take(10)));
        Assert.True(checkedAnswers.Value > Requests / 20, $"seed {Seed}: only {checkedAnswers.Value} answers were checked against the vectors");

        // A well-formed request on a fixture player never fails in the solver, whatever its input strings.
        Assert.True(wellFormed > Requests / 10, $"seed {Seed}: only {wellFormed} well-formed requests were generated");
        Assert.True(solverErrors.Count == 0, $"seed {Seed}: {solverErrors.Count} of {wellFormed} well-formed requests got solver_error, e.g.\n" + string.Join('\n', solverErrors.Take(10)));
        var (status, answer) = await world.Gateway.PostRawAsync("/decrypt_signature", valid[0]).ReadAsync();
        Assert.Equal(200, status);
        Assert.Equal(small.Sig[0].Output, answer.GetProperty("decrypted_signature").GetString());
    }

    /// <summary>
    /// Why a 200 is wrong, or null. The sts of the fixture player is its vector's; a signature or n that is a vector
    /// input is answered with the vector's output; any other input gets the same answer every time it comes back
    /// (the first answer seen is kept in <paramref name="answers"/>, which starts with the vectors).
    /// </summary>
    private static string? CheckAnswer(string path, string body, string text, PlayerVector player, System.Collections.Concurrent.ConcurrentDictionary<(string Kind, string Input), string> answers, System.Runtime.CompilerServices.StrongBox<int> checkedAnswers)
    {
        using var request = JsonDocument.Parse(body);
        using var answer = JsonDocument.Parse(text);
        var root = request.RootElement;
        var url = root.TryGetProperty("player_url", out var u) && u.ValueKind == JsonValueKind.String ? u.GetString() : null;
        var isFixture = url == player.PlayerUrl || url == player.RelativeUrl;
        switch (path)
        {
            case "/get_sts" when isFixture:
                var sts = answer.RootElement.GetProperty("sts").GetString();
                return sts == player.Sts.ToString(System.Globalization.CultureInfo.InvariantCulture) ? null : $"sts {sts}, expected {player.Sts}";
            case "/decrypt_signature" when isFixture:
                foreach (var (kind, field, output) in new[] { ("sig", "encrypted_signature", "decrypted_signature"), ("n", "n_param", "decrypted_n_sig") })
                {
                    if (root.TryGetProperty(field, out var input) && input.GetString() is { Length: > 0 } given)
                    {
                        var got = answer.RootElement.GetProperty(output).GetString()!;
                        Interlocked.Increment(ref checkedAnswers.Value);
                        var expected = answers.GetOrAdd((kind, given), got);
                        if (got != expected)
                        {
                            return $"{kind} of '{Shorten(given)}' is '{Shorten(got)}', expected '{Shorten(expected)}'";
                        }
                    }
                }

                return null;
            default:
                return null;
        }
    }

    /// <summary>A JSON object whose known fields are all strings, naming the fixture player (absolute or relative).</summary>
    private static bool IsWellFormed(string body, PlayerVector player)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return false;
            }

            foreach (var field in Fields)
            {
                if (document.RootElement.TryGetProperty(field, out var value) && value.ValueKind != JsonValueKind.String)
                {
                    return false;
                }
            }

            return document.RootElement.TryGetProperty("player_url", out var url) && (url.GetString() == player.PlayerUrl || url.GetString() == player.RelativeUrl);
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static bool IsSolverFailure(int status, string text) =>
        status == 500 && text.Contains("\"kind\":\"solver_error\"", StringComparison.Ordinal);

    private static bool IsUnknownPlayer(int status, string text) =>
        status == 502 && text.Contains("\"kind\":\"upstream_error\"", StringComparison.Ordinal) && text.Contains("upstream answered 404", StringComparison.Ordinal);

    private static string RandomBytes(Random random)
    {
        var chars = new char[random.Next(0, 200)];
        for (var i = 0; i < chars.Length; i++)
        {
            chars[i] = (char)random.Next(1, 0x7f);
        }

        return new string(chars);
    }

    private static string Mutate(Random random, string text)
    {
        var builder = new StringBuilder(text);
        for (var n = random.Next(1, 6); n > 0 && builder.Length > 0; n--)
        {
            var at = random.Next(builder.Length);
            switch (random.Next(3))
            {
                case 0:
                    builder.Remove(at, 1);
                    break;
                case 1:
                    builder.Insert(at, (char)random.Next(0x20, 0x7f));
                    break;
                default:
                    builder[at] = (char)random.Next(0x20, 0x7f);
                    break;
            }
        }

        return builder.ToString();
    }

    private static string MutateValue(Random random, string json)
    {
        var values = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(json)!;
        var field = Fields[random.Next(Fields.Length)];
        object? value = random.Next(6) switch
        {
            0 => null,
            1 => random.Next(),
            2 => new[] { 1, 2 },
            3 => RandomBytes(random),
            4 => new string('A', random.Next(0, 5000)),
            _ => "/s/player/" + random.Next().ToString("x8", System.Globalization.CultureInfo.InvariantCulture) + "/player_ias.vflset/en_US/base.js",
        };
        var result = values.ToDictionary(p => p.Key, p => (object?)p.Value);
        result[field] = value;
        return JsonSerializer.Serialize(result);
    }

    private static string RandomObject(Random random, PlayerVector small)
    {
        var result = new Dictionary<string, object?>();
        foreach (var field in Fields)
        {
            if (random.Next(2) == 0)
            {
                result[field] = random.Next(3) switch
                {
                    0 => small.PlayerUrl,
                    1 => RandomBytes(random),
                    _ => random.Next(),
                };
            }
        }

        return JsonSerializer.Serialize(result);
    }

    private static string Shorten(string text) => text.Length <= 160 ? text : text[..160] + "…";
}
