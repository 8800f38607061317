namespace ActorPool.YouTube.Solvers;

/// <summary>
/// The solver built from one player script: an ES module that exports <c>sig(s)</c> when <see cref="HasSig"/>,
/// <c>n(s)</c> when <see cref="HasN"/> and the combined <c>solve(sigs, n)</c>, plus the player's signature timestamp.
/// </summary>
/// <param name="ModuleSource">Self-contained ES module source. It carries the player's own declarations and a few
/// browser stubs, needs nothing from the host, and is written for Jint (it runs unchanged on V8).</param>
/// <param name="Sts">The player's <c>signatureTimestamp</c> as digits (e.g. <c>20632</c>), or <see langword="null"/>
/// when the script does not state one.</param>
/// <param name="HasSig">Whether the module exports <c>sig(s)</c>, the <c>s</c> → <c>sig</c> transform.</param>
/// <param name="HasN">Whether the module exports <c>n(s)</c>, the <c>n</c> parameter transform (players from 2020 on).</param>
public sealed record ExtractedSolver(string ModuleSource, string? Sts, bool HasSig, bool HasN)
{
    /// <summary>Name of the exported signature function: <c>sig</c>.</summary>
    public const string SigExport = "sig";

    /// <summary>Name of the exported n function: <c>n</c>.</summary>
    public const string NExport = "n";

    /// <summary>
    /// Name of the combined export <c>solve(sigs, n)</c>: <c>sig</c> of each string in <c>sigs</c> and <c>n</c> of
    /// <c>n</c> (when a string and the module has <c>n</c>) in one call, as <c>{ sig: [...], n: string | null }</c>.
    /// </summary>
    public const string SolveExport = "solve";

    /// <summary>
    /// Name of the self-check export <c>check(s, n)</c>: <c>{ sts, hasN, sig: sig(s), n: n(n) | null }</c>, so a caller
    /// can check a module (and learn its sts and exports) with one call where it runs.
    /// </summary>
    public const string CheckExport = "check";
}
