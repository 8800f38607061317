using System.Text;
using System.Text.Json;

namespace ActorPool.Gateway.Tests.YouTube;

/// <summary>
/// Structure-aware fuzzing (<see cref="JsonMutator"/>) of every POST endpoint, many seeds, bounded in count. Each
/// answer is checked against the status <see cref="BodyOracle"/> computes for the body on its own (malformed or
/// ambiguous: exactly 400 invalid_request; a well-formed script call: exactly 200; yt-cipher fields equal to the
/// seed's once unescaped: exactly 200 with the seed's answer); never a 500, never an empty body. 502 is allowed only
/// as the JSON upstream_error of a mutated player URL that names a player the loopback YouTube does not serve.
/// </summary>
[Collection(YouTubeSerial.Name)]
public sealed class JsonFuzzSpec(YouTubeWorld world) : IClassFixture<YouTubeWorld>
{
    private const int MutationsPerEndpoint = 80;

    private static readonly PlayerVector Small = YouTubeFixtures.Small;

    /// <summary>One valid body per POST endpoint, with strings, numbers and nesting for the mutator to work on.</summary>
    private static readonly (string Path, string Body)[] Seeds =
    [
        ("/decrypt_signature", JsonSerializer.Serialize(new { player_url = Small.PlayerUrl, encrypted_signature = Small.Sig[0].Input, n_param = Small.N[0].Input, signature_key = "sig" })),
        ("/get_sts", JsonSerializer.Serialize(new { player_url = Small.RelativeUrl })),
        ("/resolve_url", JsonSerializer.Serialize(new
        {
            stream_url = $"https://r1.googlevideo.com/videoplayback?n={Small.N[1].Input}&sp=sig&s=x",
            player_url = Small.PlayerUrl,
            encrypted_signature = Small.Sig[1].Input,
            n_param = Small.N[1].Input,
            signature_key = "sig",
        })),
        ("/v1/scripts/faults/echo", """{"args":[{"a":{"b":["x",1.5,{"c":"d","e":[true,null,-2e3]}]},"k\u00e9y":"v\/"},"s",2,[[["deep"]]]]}"""),
    ];

    public static TheoryData<int> SeedNumbers() => [.. Enumerable.Range(1, 24)];

    [Theory]
    [MemberData(nameof(SeedNumbers))]
    public async Task Mutated_json_on_every_post_endpoint_should_never_get_a_500_or_an_empty_body(int seed)
    {
        var mutator = new JsonMutator(seed);
        var failures = new List<string>();
        var (valid, invalid, exact) = (0, 0, 0);
        foreach (var (path, body) in Seeds)
        {
            var seedAnswer = await RawHttp.SendAsync(world.Gateway.Client.BaseAddress!, RawHttp.Request("POST", path, Encoding.UTF8.GetBytes(body)));
            Assert.True(seedAnswer.Status == 200, $"{path} seed body: {seedAnswer.Status} {seedAnswer.Text}");
            for (var i = 0; i < MutationsPerEndpoint; i++)
            {
                var mutated = mutator.Mutate(body);
                if (IsValidJson(mutated))
                {
                    valid++;
                }
                else
                {
                    invalid++;
                }

                var expected = BodyOracle.Expect(path, mutated, body);
                exact += expected.Exact ? 1 : 0;
                var answer = await RawHttp.SendAsync(world.Gateway.Client.BaseAddress!, RawHttp.Request("POST", path, mutated));
                if (Judge(answer, expected, path, seedAnswer) is { } problem)
                {
                    failures.Add($"{path} {RawHttp.Show(mutated[..Math.Min(mutated.Length, 400)])} => {answer.Status}: {problem}");
                }
            }
        }

        Assert.True(failures.Count == 0, $"seed {seed}: {failures.Count} bad answers:\n" + string.Join('\n', failures.Take(15)));

        // The mutator reaches both sides of the parser, or the test would prove little.
        Assert.True(valid > 10 && invalid > 10, $"seed {seed}: {valid} valid and {invalid} invalid bodies");
        Assert.True(exact > Seeds.Length * MutationsPerEndpoint / 2, $"seed {seed}: the oracle named an exact status for only {exact} bodies");
        await AssertServesAsync();
    }

    /// <summary>The classes the fuzzer found (empty 500s on e411f47), pinned: exact status and message.</summary>
    [Theory]
    [InlineData("/get_sts", """{"\ud800x":1,"player_url":"/s/player/449ea0a5/player_ias.vflset/en_US/base.js"}""", "a property name is not valid Unicode")]
    [InlineData("/resolve_url", """{"stream_url":"https://r.googlevideo.com/v","player_url":"/s/player/449ea0a5/player_ias.vflset/en_US/base.js","x":{"y":[{"\udc00":1}]}}""", "a property name is not valid Unicode")]
    [InlineData("/v1/scripts/faults/echo", """{"args":[{"a":{"\ud800":["x"]}}]}""", "a property name is not valid Unicode")]
    [InlineData("/v1/scripts/faults/echo", """{"\ude00\ud83d":1,"args":[]}""", "a property name is not valid Unicode")]
    [InlineData("/decrypt_signature", """{"player_url":"/s/player/449ea0a5/player_ias.vflset/en_US/base.js","encrypted_signature":"\uD83D\uDE00abc"}""", "'encrypted_signature' holds a character outside the Basic Multilingual Plane")]
    [InlineData("/decrypt_signature", """{"player_url":"/s/player/449ea0a5/player_ias.vflset/en_US/base.js","n_param":"ab😀"}""", "'n_param' holds a character outside the Basic Multilingual Plane")]
    public async Task The_malformed_bodies_that_once_got_an_empty_500_should_get_a_400_that_says_why(string path, string body, string message)
    {
        var answer = await RawHttp.SendAsync(world.Gateway.Client.BaseAddress!, RawHttp.Request("POST", path, Encoding.UTF8.GetBytes(body)));

        Assert.True(answer.Status == 400, $"{path} {body}: {answer.Status} '{answer.Text}'");
        var (error, kind) = answer.JsonError(body);
        Assert.Equal("invalid_request", kind);
        Assert.Contains(message, error, StringComparison.Ordinal);
    }

    /// <summary>Why an answer is wrong, or null: a status the oracle allows, a JSON body, and the error kind it names.</summary>
    private static string? Judge(RawResponse answer, ExpectedAnswer expected, string path, RawResponse seedAnswer)
    {
        if (answer.Body.Length == 0)
        {
            return "empty body";
        }

        if (!expected.Statuses.Contains(answer.Status))
        {
            return $"expected {string.Join(" or ", expected.Statuses)} ({expected.Why}): {RawHttp.Show(answer.Body)}";
        }

        if (answer.Status == 200)
        {
            if (!IsValidJson(answer.Body))
            {
                return "a 200 whose body is not JSON: " + RawHttp.Show(answer.Body);
            }

            // The seed's own fields: the seed's own answer (the script API echoes, so its result varies).
            return expected.Exact && !path.StartsWith("/v1/", StringComparison.Ordinal) && answer.Text != seedAnswer.Text
                ? $"the seed's fields answered '{answer.Text}', the seed '{seedAnswer.Text}'"
                : null;
        }

        try
        {
            var (_, kind) = answer.JsonError("answer");
            return answer.Status == 502 && kind != "upstream_error" ? "a 502 that is not upstream_error: " + answer.Text
                : expected.Kind is { } want && kind != want ? $"kind '{kind}', expected '{want}' ({expected.Why})"
                : null;
        }
        catch (Xunit.Sdk.XunitException ex)
        {
            return ex.Message;
        }
    }

    private static bool IsValidJson(byte[] bytes)
    {
        try
        {
            using var document = JsonDocument.Parse(bytes, new JsonDocumentOptions { MaxDepth = 1000 });
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private async Task AssertServesAsync()
    {
        var answer = await RawHttp.SendAsync(world.Gateway.Client.BaseAddress!, RawHttp.Request("POST", "/decrypt_signature", Encoding.UTF8.GetBytes(Seeds[0].Body)));
        Assert.True(answer.Status == 200, answer.Text);
        using var json = JsonDocument.Parse(answer.Body);
        Assert.Equal(Small.Sig[0].Output, json.RootElement.GetProperty("decrypted_signature").GetString());
        Assert.Equal(Small.N[0].Output, json.RootElement.GetProperty("decrypted_n_sig").GetString());
    }
}
