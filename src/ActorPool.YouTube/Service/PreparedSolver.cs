using ActorPool.YouTube.Players;

namespace ActorPool.YouTube.Service;

/// <summary>A solver ready in the pool.</summary>
/// <param name="Player">The player.</param>
/// <param name="ModuleName">The pool module that exports <c>sig</c> and (when <paramref name="HasN"/>) <c>n</c>.</param>
/// <param name="HasSig">Whether the module exports <c>sig</c>.</param>
/// <param name="HasN">Whether the module exports <c>n</c>.</param>
/// <param name="CacheHit">Whether the solver was ready before this request.</param>
public sealed record PreparedSolver(PlayerIdentity Player, string ModuleName, bool HasSig, bool HasN, bool CacheHit);
