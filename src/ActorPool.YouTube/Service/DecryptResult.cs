namespace ActorPool.YouTube.Service;

/// <summary>The answer to a decrypt request; an absent input gives an empty string.</summary>
/// <param name="Signature">The decrypted signature, or empty.</param>
/// <param name="N">The transformed n parameter, or empty.</param>
/// <param name="CacheHit">Whether the solver was ready before this request.</param>
public sealed record DecryptResult(string Signature, string N, bool CacheHit);
