// Example module: call as POST /v1/scripts/text/reverse with {"args": ["abc"]}.
export function reverse(s) {
  return [...String(s)].reverse().join("");
}

export function words(s) {
  return String(s).split(/\s+/).filter(w => w.length > 0);
}
