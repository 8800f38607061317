using System.Diagnostics.CodeAnalysis;

namespace ActorPool.YouTube.Players;

/// <summary>Names of <see cref="PlayerVariant"/> values as yt-cipher spells them (<c>IAS</c>, <c>ES6_TCE</c>, …).</summary>
public static class PlayerVariants
{
    private static readonly (PlayerVariant Variant, string Name)[] Names =
    [
        (PlayerVariant.Ias, "IAS"),
        (PlayerVariant.IasTcc, "IAS_TCC"),
        (PlayerVariant.IasTce, "IAS_TCE"),
        (PlayerVariant.Es5, "ES5"),
        (PlayerVariant.Es6, "ES6"),
        (PlayerVariant.Es6Tcc, "ES6_TCC"),
        (PlayerVariant.Es6Tce, "ES6_TCE"),
        (PlayerVariant.Tv, "TV"),
        (PlayerVariant.TvEs6, "TV_ES6"),
        (PlayerVariant.Phone, "PHONE"),
        (PlayerVariant.Embed, "EMBED"),
        (PlayerVariant.EmbedEs6, "EMBED_ES6"),
        (PlayerVariant.House, "HOUSE"),
        (PlayerVariant.LegacyHtml5, "LEGACY_HTML5"),
        (PlayerVariant.LegacyPlayer, "LEGACY_PLAYER"),
    ];

    /// <summary>Every variant, in declaration order.</summary>
    public static IReadOnlyList<PlayerVariant> All { get; } = Array.AsReadOnly(Names.Select(n => n.Variant).ToArray());

    /// <summary>The yt-cipher name of <paramref name="variant"/>, e.g. <c>IAS_TCE</c>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is not a defined variant.</exception>
    public static string Name(this PlayerVariant variant)
    {
        foreach (var (v, name) in Names)
        {
            if (v == variant)
            {
                return name;
            }
        }

        throw new ArgumentOutOfRangeException(nameof(variant), variant, "not a defined player variant");
    }

    /// <summary>Parses a yt-cipher variant name (case-insensitive, surrounding blanks ignored).</summary>
    /// <param name="name">For example <c>IAS</c> or <c>tv_es6</c>.</param>
    /// <param name="variant">The variant, when the name is known.</param>
    /// <returns><see langword="true"/> when <paramref name="name"/> names a variant.</returns>
    public static bool TryParse(string? name, [NotNullWhen(true)] out PlayerVariant? variant)
    {
        var trimmed = name?.Trim();
        foreach (var (v, n) in Names)
        {
            if (string.Equals(n, trimmed, StringComparison.OrdinalIgnoreCase))
            {
                variant = v;
                return true;
            }
        }

        variant = null;
        return false;
    }
}
