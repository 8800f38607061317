// Example module: call as POST /v1/scripts/math/add with {"args": [1, 2]}.
export function add(a, b) {
  return a + b;
}

export function stats(numbers) {
  const sum = numbers.reduce((s, n) => s + n, 0);
  return { count: numbers.length, sum, mean: numbers.length ? sum / numbers.length : null };
}
