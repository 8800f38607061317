// A module of the sample: every exported function can be called through IScriptPool.
export function greet(name) {
  return `Hello, ${name}!`;
}

export function wordCount(text) {
  return text.split(/\s+/).filter(Boolean).length;
}
