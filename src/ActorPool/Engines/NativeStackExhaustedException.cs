using Jint.Runtime;

namespace ActorPool.Engines;

/// <summary>
/// Thrown when Jint's native stack guard stopped a call: recursion that the call-depth limit does not count
/// (accessors, coercions, callbacks from built-ins) ran the engine thread's stack nearly out. Jint reports it
/// as a JavaScript <c>RangeError</c>; the pool reports it as <c>LimitExceeded(recursion)</c>, like the depth limit.
/// </summary>
internal sealed class NativeStackExhaustedException(JavaScriptException inner)
    : Exception("the script ran out of native stack (recursion through accessors, coercions or callbacks)", inner);
