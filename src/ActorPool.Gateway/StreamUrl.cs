namespace ActorPool.Gateway;

/// <summary>
/// A stream URL whose query parameters can be read and replaced like <c>URLSearchParams</c> (set replaces the first
/// occurrence and drops the others), while parameters that are not touched keep their original encoding.
/// </summary>
internal sealed class StreamUrl
{
    private readonly string _prefix;
    private readonly string _fragment;
    private readonly List<(string Name, string Raw)> _parameters = [];

    private StreamUrl(string prefix, string query, string fragment)
    {
        _prefix = prefix;
        _fragment = fragment;
        foreach (var part in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            _parameters.Add((Decode(eq < 0 ? part : part[..eq]), part));
        }
    }

    /// <summary>Parses an absolute http(s) URL; null when it is not one.</summary>
    public static StreamUrl? TryParse(string text)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
        {
            return null;
        }

        var hash = text.IndexOf('#', StringComparison.Ordinal);
        var withoutFragment = hash < 0 ? text : text[..hash];
        var fragment = hash < 0 ? string.Empty : text[hash..];
        var question = withoutFragment.IndexOf('?', StringComparison.Ordinal);
        return question < 0
            ? new StreamUrl(withoutFragment, string.Empty, fragment)
            : new StreamUrl(withoutFragment[..question], withoutFragment[(question + 1)..], fragment);
    }

    public string? Get(string name)
    {
        foreach (var (n, raw) in _parameters)
        {
            if (n == name)
            {
                var eq = raw.IndexOf('=', StringComparison.Ordinal);
                return eq < 0 ? string.Empty : Decode(raw[(eq + 1)..]);
            }
        }

        return null;
    }

    public void Set(string name, string value)
    {
        var encoded = Uri.EscapeDataString(name) + "=" + Uri.EscapeDataString(value);
        var index = _parameters.FindIndex(p => p.Name == name);
        if (index < 0)
        {
            _parameters.Add((name, encoded));
            return;
        }

        _parameters[index] = (name, encoded);
        for (var i = _parameters.Count - 1; i > index; i--)
        {
            if (_parameters[i].Name == name)
            {
                _parameters.RemoveAt(i);
            }
        }
    }

    public void Delete(string name) => _parameters.RemoveAll(p => p.Name == name);

    public override string ToString() =>
        _parameters.Count == 0 ? _prefix + _fragment : _prefix + "?" + string.Join('&', _parameters.Select(p => p.Raw)) + _fragment;

    private static string Decode(string text)
    {
        try
        {
            return Uri.UnescapeDataString(text.Replace('+', ' '));
        }
        catch (UriFormatException)
        {
            return text;
        }
    }
}
