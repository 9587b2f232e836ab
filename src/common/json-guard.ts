/** Deeper bodies are refused before validation, whose recursion they would overflow. */
const MAX_JSON_DEPTH = 32;

/**
 * Keys that class-transformer drops silently instead of letting validation refuse them as
 * unknown; refusing them here keeps "unknown fields are refused" true for every key.
 */
const RESERVED_KEYS = new Set([...Object.getOwnPropertyNames(Object.prototype), 'prototype']);

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** A NUL cannot be stored in PostgreSQL text; a lone surrogate is not valid UTF-8. */
const isUnstorable = (text: string) => text.includes('\0') || LONE_SURROGATE.test(text);

/**
 * Looks through a parsed request body (or query) for what validation cannot be trusted with;
 * returns why it is refused, or undefined. Iterative, so depth itself cannot overflow it.
 */
export function findUnsafeJson(root: unknown): string | undefined {
  const stack: [unknown, number][] = [[root, 0]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop()!;
    if (typeof value === 'string') {
      if (isUnstorable(value)) return 'Text must not contain NUL or unpaired surrogates.';
      continue;
    }
    if (typeof value !== 'object' || value === null) continue;
    if (depth >= MAX_JSON_DEPTH) return `JSON nested deeper than ${MAX_JSON_DEPTH} levels.`;
    for (const [key, child] of Object.entries(value)) {
      if (!Array.isArray(value) && RESERVED_KEYS.has(key)) return `Field ${key} is not allowed.`;
      stack.push([child, depth + 1]);
    }
  }
  return undefined;
}
