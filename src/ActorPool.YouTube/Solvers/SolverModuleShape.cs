namespace ActorPool.YouTube.Solvers;

/// <summary>How much of the player a solver module keeps.</summary>
public enum SolverModuleShape
{
    /// <summary>The <see cref="Lean"/> module when a quick self-check in Jint shows that its <c>sig</c> and
    /// <c>n</c> run and change a probe value; otherwise the <see cref="Full"/> module. The default.</summary>
    Auto,

    /// <summary>Every top-level declaration of the player (as yt-dlp's ejs solver does): the most tolerant shape,
    /// about the size of the player, so each engine spends about a second loading it.</summary>
    Full,

    /// <summary>Only the declarations the entry points reach, found by following names from the sig and n calls
    /// through the player's top-level declarations: a fraction of the size and load time.</summary>
    Lean,
}
