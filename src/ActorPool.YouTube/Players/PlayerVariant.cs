namespace ActorPool.YouTube.Players;

/// <summary>
/// The build of a YouTube player script. The names (see <see cref="PlayerVariants.Name"/>) are the ones yt-cipher
/// uses in <c>OVERRIDE_PLAYER_VARIANT</c>; the two <c>Legacy…</c> builds exist only for the 2014–2017 players
/// that were served from <c>/yts/jsbin/</c> before <c>/s/player/</c> existed.
/// </summary>
public enum PlayerVariant
{
    /// <summary><c>IAS</c>: <c>player_ias.vflset/{region}/base.js</c>, the main desktop build (also the 2017
    /// <c>/yts/jsbin/player_ias-{id}/{region}/base.js</c> build).</summary>
    Ias,

    /// <summary><c>IAS_TCC</c>: <c>player_ias_tcc.vflset/{region}/base.js</c>.</summary>
    IasTcc,

    /// <summary><c>IAS_TCE</c>: <c>player_ias_tce.vflset/{region}/base.js</c>.</summary>
    IasTce,

    /// <summary><c>ES5</c>: <c>player_es5.vflset/{region}/base.js</c>.</summary>
    Es5,

    /// <summary><c>ES6</c>: <c>player_es6.vflset/{region}/base.js</c>.</summary>
    Es6,

    /// <summary><c>ES6_TCC</c>: <c>player_es6_tcc.vflset/{region}/base.js</c>.</summary>
    Es6Tcc,

    /// <summary><c>ES6_TCE</c>: <c>player_es6_tce.vflset/{region}/base.js</c>.</summary>
    Es6Tce,

    /// <summary><c>TV</c>: <c>tv-player-ias.vflset/tv-player-ias.js</c> (no region).</summary>
    Tv,

    /// <summary><c>TV_ES6</c>: <c>tv-player-es6.vflset/tv-player-es6.js</c> (no region).</summary>
    TvEs6,

    /// <summary><c>PHONE</c>: <c>player-plasma-ias-phone-{region}.vflset/base.js</c>.</summary>
    Phone,

    /// <summary><c>EMBED</c>: <c>player_embed.vflset/{region}/base.js</c>. That build has no signature or n
    /// functions, so it is fetched as <c>player_ias.vflset/{region}/base.js</c> of the same id, as yt-cipher does.</summary>
    Embed,

    /// <summary><c>HOUSE</c>: <c>house_brand_player.vflset/{region}/base.js</c>.</summary>
    House,

    /// <summary><c>LEGACY_HTML5</c>: the 2014–2015 <c>html5player-{region}-{vflid}.js</c> and
    /// <c>html5player-{region}-{vflid}/html5player.js</c> builds; canonical form
    /// <c>/yts/jsbin/html5player-{region}-{id}/html5player.js</c>.</summary>
    LegacyHtml5,

    /// <summary><c>LEGACY_PLAYER</c>: the 2015–2017 desktop build, served as
    /// <c>player-{region}-{vflid}/base.js</c> and later <c>player-{vflid}/{region}/base.js</c>; canonical form
    /// <c>/yts/jsbin/player-{id}/{region}/base.js</c>.</summary>
    LegacyPlayer,

    /// <summary><c>EMBED_ES6</c>: <c>player_embed_es6.vflset/{region}/base.js</c>, fetched as
    /// <c>player_es6.vflset/{region}/base.js</c> of the same id (see <see cref="Embed"/>).</summary>
    EmbedEs6,
}
