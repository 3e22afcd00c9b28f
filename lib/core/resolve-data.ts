import { DefaultTokenResolver, StringConcat, TerraformStack, Tokenization } from 'cdktf';

// What cdktf's resolver looks for: token markers (`${TfToken[`, `#{TfToken[`, `&{TfToken[`) and
// numbers that may encode a number token (its NUMBER_TOKEN_REGEX).
const TOKEN_MARKER = 'TfToken[';
const NUMBER_LIKE = /[-|\d|.+]+(e[-|\d|.|e|E|+]+)/;
// Deeper than this, cdktf's own resolver takes over (it reports cyclic data with the path).
const MAX_DEPTH = 64;
const RESOLVER = new DefaultTokenResolver(new StringConcat());

function mayHoldToken(s: string): boolean {
  return s.includes(TOKEN_MARKER) || NUMBER_LIKE.test(s);
}

// cdktf encodes number tokens (and list-of-number tokens) as doubles below -9e288.
function mayBeTokenNumber(n: number): boolean {
  return n < -1e280;
}

function isPlainObject(x: object): boolean {
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

/** cdktf's resolution of one value, as `stack.toTerraform()` does it. */
function cdktfResolve(stack: TerraformStack, value: unknown, preparing: boolean): any {
  return Tokenization.resolve(value, { scope: stack, preparing, resolver: RESOLVER });
}

/**
 * Resolves the cdktf tokens in JSON-like data in one walk. It gives exactly what cdktf's
 * resolution gives (`Tokenization.resolve` with the default resolver, as `TerraformStack` uses),
 * but hands cdktf only the values that may hold a token (strings with a token marker, encoded
 * numbers, resolvable objects, arrays with list tokens, objects with token keys) and returns the
 * input's own subtrees where nothing changed. cdktf's resolver builds a context per value and copies
 * everything, which on a large platform is most of a synth. With `preparing`, cross-stack references
 * are registered as cdktf does while preparing.
 */
export function resolveData<T>(stack: TerraformStack, data: T, preparing = false): T {
  return walk(stack, data, preparing, 0) as T;
}

function walk(stack: TerraformStack, value: unknown, preparing: boolean, depth: number): unknown {
  switch (typeof value) {
    case 'string':
      return mayHoldToken(value) ? cdktfResolve(stack, value, preparing) : value;
    case 'number':
      return mayBeTokenNumber(value) ? cdktfResolve(stack, value, preparing) : value;
    case 'object':
      break;
    case 'function':
      return cdktfResolve(stack, value, preparing); // cdktf's error for a function in the data
    default:
      return value;
  }
  if (value === null) return value;
  if (depth > MAX_DEPTH) return cdktfResolve(stack, value, preparing);
  if (Array.isArray(value)) {
    // A list token stands alone in an array, so cdktf resolves such arrays as a whole.
    if (value.some((x) => (typeof x === 'string' && x.includes(TOKEN_MARKER)) || (typeof x === 'number' && mayBeTokenNumber(x)))) {
      return cdktfResolve(stack, value, preparing);
    }
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const v = walk(stack, value[i], preparing, depth + 1);
      if ((v !== value[i] || v === undefined) && !out) out = value.slice(0, i);
      if (out && v !== undefined) out.push(v);
    }
    return out ?? value;
  }
  // Tokens, constructs (an error), dates and other class instances: cdktf decides.
  if (!isPlainObject(value) || typeof (value as { resolve?: unknown }).resolve === 'function') return cdktfResolve(stack, value, preparing);
  const obj = value as Record<string, unknown>;
  let out: Record<string, unknown> | undefined;
  let i = 0;
  for (const k in obj) {
    if (mayHoldToken(k)) return cdktfResolve(stack, value, preparing); // tokens in keys, map tokens
    const v = walk(stack, obj[k], preparing, depth + 1);
    if ((v !== obj[k] || v === undefined) && !out) {
      out = {};
      let j = 0;
      for (const before in obj) {
        if (j++ === i) break;
        out[before] = obj[before];
      }
    }
    if (out && v !== undefined) out[k] = v;
    i++;
  }
  return out ?? value;
}
