using Jint;
using Jint.Runtime;

namespace ActorPool.YouTube.Solvers;

/// <summary>
/// Runs a lean module once in a throw-away Jint engine: it must load, and <c>sig</c> and <c>n</c> must return a
/// string that differs from a probe value. A lean module that drops something its transforms need fails here, and
/// the extractor falls back to the full module.
/// </summary>
internal static class ModuleSelfCheck
{
    private const string SigProbe = "AOq0QJ8wRAIgXmPlOPSBkkUs1bYFYlJCfe29xx8j7v1pDL0QwbdV96sCIEzpWqMGkFR20CFOg51Tp-7vj_EMu-m37K2XJoOySqa0qaty";
    private const string NProbe = "oBo2h5euWy6osrUt";

    public static bool Passes(string module, bool hasN)
    {
        try
        {
            using var engine = new Engine(options => options
                .LimitRecursion(1000)
                .TimeoutInterval(TimeSpan.FromSeconds(5))
                .LimitMemory(256L * 1024 * 1024));
            engine.Modules.Add("solver", module);
            var exports = engine.Modules.Import("solver");
            return Changes(engine, exports.Get(ExtractedSolver.SigExport), SigProbe)
                && (!hasN || Changes(engine, exports.Get(ExtractedSolver.NExport), NProbe));
        }
        catch (Exception ex) when (ex is JavaScriptException or JintException or TimeoutException or InvalidOperationException or ArgumentException)
        {
            return false;
        }
    }

    private static bool Changes(Engine engine, Jint.Native.JsValue function, string probe)
    {
        var result = engine.Invoke(function, probe);
        return result.IsString() && result.AsString() is { Length: > 0 } text && text != probe;
    }
}
