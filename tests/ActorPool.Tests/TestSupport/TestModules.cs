using ActorPool.Modules;

namespace ActorPool.Tests.TestSupport;

/// <summary>Real scripts for the pool: good ones and every kind of misbehaviour a script can produce.</summary>
public static class TestModules
{
    public const string Basic = """
        let counter = 0;
        export function echo(x) { return x; }
        export function add(a, b) { return a + b; }
        export function reverse(s) { return s.split('').reverse().join(''); }
        export function increment() { return ++counter; }
        export function nothing() { }
        export async function later(x) { return x * 2; }
        export function count(n) { let s = 0; for (let i = 0; i < n; i++) { s += i % 7; } return s; }
        """;

    public const string Faults = """
        export function spin() { while (true) { } }
        export function stubbornSpin() { while (true) { try { for (;;) { } } catch (e) { } } }
        export function boom(message) { throw new Error(message); }
        export function throwString() { throw 'plain string'; }
        export function allocate() { const keep = []; while (true) { keep.push(new Array(100000).fill(1)); } }
        export function churn(chunks) { let total = 0; for (let i = 0; i < chunks; i++) { const a = new Array(262144).fill(i); total += a.length; } return total; }
        export function recurse(n) { return recurse(n + 1) + 1; }
        export function catastrophicRegex() { return /^(a+)+$/.test('a'.repeat(40) + 'b'); }
        export function bigint() { return 10n; }
        export function returnsFunction() { return function () { }; }
        export function cyclic() { const o = {}; o.self = o; return o; }
        export function count(n) { let s = 0; for (let i = 0; i < n; i++) { s += i; } return s; }
        export const notAFunction = 42;
        """;

    public static InMemoryModuleSource Source() => new InMemoryModuleSource()
        .Set("basic", Basic)
        .Set("faults", Faults);
}
