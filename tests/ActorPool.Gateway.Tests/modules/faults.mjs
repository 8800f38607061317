export function echo(x) { return x; }
export function add(a, b) { return a + b; }
export function fail(message) { throw new Error(message); }
export function spin() { while (true) { } }
export function bomb() { const parts = []; while (true) { parts.push(new Array(1 << 16).fill(parts.length)); } }
export function recurse(n) { return recurse(n + 1) + 1; }
export function cyclic() { const o = {}; o.self = o; return o; }
export function big() { return 10n ** 30n; }
export function sleep(ms) { const end = Date.now() + ms; while (Date.now() < end) { } return ms; }
