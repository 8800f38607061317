using ActorPool.Modules;
using ActorPool.Tests.TestSupport;

namespace ActorPool.Engines.Tests.Conformance;

/// <summary>The core specs' scripts plus the ones only the engine conformance specs need.</summary>
public static class EngineScripts
{
    public const string Probe = """
        export function globals() {
          return ['host', 'clr', 'lib', 'xHost', 'System', 'require', 'process', 'Deno', 'importScripts']
            .filter(name => typeof globalThis[name] !== 'undefined');
        }
        export function depth(n) { return n === 0 ? 0 : 1 + depth(n - 1); }
        export function object() { return { text: 'é"\\', list: [1, 2.5, null, true], nested: { deep: [] } }; }
        export function sum(...xs) { return xs.reduce((a, b) => a + b, 0); }
        export async function rejects(message) { throw new Error(message); }
        export function pending() { return new Promise(() => { }); }
        export function resultToJSON() { const o = { toJSON() { return JSON.stringify(o); } }; return o; }
        export function resultGetter() { return { get x() { return this.x; } }; }
        export function keepJsonIntact() { JSON.parse = () => 'hijacked'; JSON.stringify = () => 'hijacked'; return 1; }
        """;

    /// <summary>Catastrophic regular expressions through each built-in that matches (issue 16).</summary>
    public const string Regexes = """
        const subject = 'a'.repeat(34) + 'b';
        export function test() { return /^(a+)+$/.test(subject); }
        export function replace() { return subject.replace(/^(a+)+$/g, 'x'); }
        export function split() { return subject.split(/^(a+)+$/); }
        export function match() { return subject.match(/^(a+)+$/); }
        export function matchAll() { return [...subject.matchAll(/^(a+)+$/g)]; }
        export function alternation() { return /(a|aa)+$/.test('a'.repeat(60) + 'b'); }
        export function doubled() { return /(x+x+)+y/.test('x'.repeat(40)); }
        """;

    public static InMemoryModuleSource Source() => TestModules.Source()
        .Set("regexes", Regexes)
        .Set("probe", Probe)
        .Set("bad-syntax", "export function f( {")
        .Set("throws-on-load", "throw new Error('load failure');\nexport function f() { return 1; }")
        .Set("spins-on-load", "while (true) { }\nexport function f() { return 1; }")
        .Set("imports-file", "import * as x from '/etc/hostname';\nexport function f() { return 1; }");
}
