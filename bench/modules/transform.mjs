// Benchmark module: one tiny function, one loop-heavy function, and a batched form of the tiny one.

/** Reverses a string (the "tiny" task: a few microseconds in Jint). */
export function reverse(s) {
  return s.split('').reverse().join('');
}

/** Calls reverse `n` times and returns the last result (one task carrying n tiny calls). */
export function reverseBatch(s, n) {
  let last = s;
  for (let i = 0; i < n; i++) last = reverse(s);
  return last;
}

/** Loop-heavy work: an FNV-style mix over `n` rounds (the "heavy" task: milliseconds in Jint). */
export function work(n) {
  let h = 0x811c9dc5 | 0;
  for (let i = 0; i < n; i++) {
    h ^= i & 0xff;
    h = Math.imul(h, 16777619);
    h = (h << 5) | (h >>> 27);
  }
  return h >>> 0;
}
