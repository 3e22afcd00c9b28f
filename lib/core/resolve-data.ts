import { TerraformStack, Tokenization } from 'cdktf';
import { resolve } from 'cdktf/lib/_tokens';

// What cdktf's resolver looks for: token markers (`${TfToken[`, `#{TfToken[`, `&{TfToken[`) and
// numbers that may encode a number token (its NUMBER_TOKEN_REGEX).
const TOKEN_MARKER = 'TfToken[';
const NUMBER_LIKE = /[-|\d|.+]+(e[-|\d|.|e|E|+]+)/;

function mayHoldToken(s: string): boolean {
  return s.includes(TOKEN_MARKER) || NUMBER_LIKE.test(s);
}

// cdktf encodes number tokens (and list-of-number tokens) as doubles below -9e288.
function mayBeTokenNumber(n: number): boolean {
  return n < -1e280;
}

/**
 * Resolves the cdktf tokens in plain JSON-like data (such as cdk8s objects) in one walk. It gives
 * exactly what `resolve(stack, data, preparing)` gives, but hands cdktf only the values that may
 * hold a token and returns the input's own subtrees where nothing changed; cdktf's resolver
 * builds a context per value and copies everything, which on a thousand Kubernetes objects is most
 * of a synth. With `preparing`, cross-stack references are registered as cdktf does while preparing.
 */
export function resolveData<T>(stack: TerraformStack, data: T, preparing = false): T {
  return walk(stack, data, preparing) as T;
}

function walk(stack: TerraformStack, value: unknown, preparing: boolean): unknown {
  switch (typeof value) {
    case 'string':
      return mayHoldToken(value) ? resolve(stack, value, preparing) : value;
    case 'number':
      return mayBeTokenNumber(value) ? resolve(stack, value, preparing) : value;
    case 'object':
      break;
    case 'function':
      return resolve(stack, value, preparing); // cdktf's error for a function in the data
    default:
      return value;
  }
  if (value === null || value instanceof Date) return value;
  if (Array.isArray(value)) {
    // A list token stands alone in an array, so cdktf resolves such arrays as a whole.
    if (value.some((x) => (typeof x === 'string' && x.includes(TOKEN_MARKER)) || (typeof x === 'number' && mayBeTokenNumber(x)))) {
      return resolve(stack, value, preparing);
    }
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const v = walk(stack, value[i], preparing);
      if ((v !== value[i] || v === undefined) && !out) out = value.slice(0, i);
      if (out && v !== undefined) out.push(v);
    }
    return out ?? value;
  }
  if (Tokenization.isResolvable(value)) return resolve(stack, value, preparing);
  const keys = Object.keys(value);
  if (keys.some(mayHoldToken)) return resolve(stack, value, preparing); // tokens in keys or map tokens
  const obj = value as Record<string, unknown>;
  let out: Record<string, unknown> | undefined;
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i];
    const v = walk(stack, obj[k], preparing);
    if ((v !== obj[k] || v === undefined) && !out) {
      out = {};
      for (let j = 0; j < i; j++) out[keys[j]] = obj[keys[j]];
    }
    if (out && v !== undefined) out[k] = v;
  }
  return out ?? value;
}
