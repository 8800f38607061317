using System.Globalization;
using System.Net;
using ActorPool.YouTube.Players;

namespace ActorPool.YouTube.Service;

/// <summary>Downloads a player script from its canonical URL with a timeout and a size cap.</summary>
internal sealed class PlayerFetcher(HttpClient http, TimeSpan timeout, long maxBytes)
{
    public async Task<string> FetchAsync(PlayerIdentity player, Uri url, Action<string> reportStatusClass, CancellationToken cancellationToken)
    {
        using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timer.CancelAfter(timeout);
        var ms = ((long)timeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
        try
        {
            using var response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, timer.Token).ConfigureAwait(false);
            var status = (int)response.StatusCode;
            if (!response.IsSuccessStatusCode)
            {
                reportStatusClass($"{status / 100}xx");
                throw new PlayerFetchException(
                    $"fetching player {player.Id} ({player.CacheKey}) from {url} failed: upstream answered {status} {response.ReasonPhrase}",
                    player.Id,
                    status);
            }

            if (response.Content.Headers.ContentLength > maxBytes)
            {
                reportStatusClass("too_large");
                throw TooLarge(player, url, status);
            }

            using var body = await response.Content.ReadAsStreamAsync(timer.Token).ConfigureAwait(false);
            using var buffer = new MemoryStream();
            var chunk = new byte[81920];
            int read;
            while ((read = await body.ReadAsync(chunk, timer.Token).ConfigureAwait(false)) > 0)
            {
                if (buffer.Length + read > maxBytes)
                {
                    reportStatusClass("too_large");
                    throw TooLarge(player, url, status);
                }

                buffer.Write(chunk, 0, read);
            }

            reportStatusClass("2xx");
            return System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            reportStatusClass("timeout");
            throw new PlayerFetchException($"fetching player {player.Id} ({player.CacheKey}) from {url} failed: no complete answer within {ms} ms", player.Id, null, ex);
        }
        catch (HttpRequestException ex)
        {
            reportStatusClass("error");
            var status = ex.StatusCode is HttpStatusCode code ? (int?)code : null;
            throw new PlayerFetchException($"fetching player {player.Id} ({player.CacheKey}) from {url} failed: {ex.Message}", player.Id, status, ex);
        }
    }

    private PlayerFetchException TooLarge(PlayerIdentity player, Uri url, int status) =>
        new($"fetching player {player.Id} ({player.CacheKey}) from {url} failed: upstream answered {status} with more than {maxBytes} bytes", player.Id, status);
}
