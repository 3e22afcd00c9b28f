import { DefaultTokenResolver, StringConcat, TerraformStack, Token, Tokenization } from 'cdktf';
import { renderTemplateText } from './terraform-literals';

// What cdktf's resolver looks for: token markers (`${TfToken[`, `#{TfToken[`, `&{TfToken[`) and
// numbers that may encode a number token (its NUMBER_TOKEN_REGEX).
const TOKEN_MARKER = 'TfToken[';
const STRING_TOKEN = /^\$\{TfToken\[[a-zA-Z0-9:._-]+\]\}$/;
const NUMBER_LIKE = /[-|\d|.+]+(e[-|\d|.|e|E|+]+)/;
// Deeper than this, cdktf's own resolver takes over (it reports cyclic data with the path).
const MAX_DEPTH = 64;
const RESOLVER = new DefaultTokenResolver(new StringConcat());

/**
 * How strings are read: as cdktf reads them (`undefined`), or as literal text with tokens in it
 * (Kubernetes objects): each token resolved alone, the text kept as it is (`keep`, for YAML and
 * review) or escaped for Terraform (`escape`, see terraform-literals.ts).
 */
export type TextMode = 'keep' | 'escape';

interface Walk {
  readonly stack: TerraformStack;
  readonly preparing: boolean;
  readonly text?: TextMode;
}

function mayHoldToken(s: string): boolean {
  return s.includes(TOKEN_MARKER) || NUMBER_LIKE.test(s);
}

// cdktf encodes number tokens (and list-of-number tokens) as doubles below -9e288.
function mayBeTokenNumber(n: number): boolean {
  return n < -1e280 || n === Token.NUMBER_MAP_TOKEN_VALUE;
}

// A plain object of any realm (structuredClone and vm contexts have their own Object.prototype).
function isPlainObject(x: object): boolean {
  const proto = Object.getPrototypeOf(x);
  return proto === null || Object.getPrototypeOf(proto) === null;
}

/** cdktf's resolution of one value, as `stack.toTerraform()` does it. */
function cdktfResolve(w: Walk, value: unknown): any {
  return Tokenization.resolve(value, { scope: w.stack, preparing: w.preparing, resolver: RESOLVER });
}

/**
 * Resolves the cdktf tokens in JSON-like data in one walk. It gives exactly what cdktf's
 * resolution gives (`Tokenization.resolve` with the default resolver, as `TerraformStack` uses),
 * but hands cdktf only the values that may hold a token (strings with a token marker, encoded
 * numbers, resolvable objects, arrays with list tokens, objects with token keys) and returns the
 * input's own subtrees where nothing changed. cdktf's resolver builds a context per value and copies
 * everything, which on a large platform is most of a synth. With `preparing`, cross-stack references
 * are registered as cdktf does while preparing. With `text`, strings are literal text (see {@link TextMode}).
 */
export function resolveData<T>(stack: TerraformStack, data: T, preparing = false, text?: TextMode): T {
  return walk({ stack, preparing, text }, data, 0) as T;
}

function resolveString(w: Walk, s: string): unknown {
  if (s === Token.STRING_MAP_TOKEN_VALUE || s === Token.ANY_MAP_TOKEN_VALUE) return cdktfResolve(w, s); // cdktf's error
  if (w.text === undefined) return mayHoldToken(s) ? cdktfResolve(w, s) : s;
  const hasToken = s.includes(TOKEN_MARKER);
  if (!hasToken && !NUMBER_LIKE.test(s) && (w.text === 'keep' || !s.includes('{'))) return s;
  // A whole-string token may stand for any value; list and map markers in text are cdktf's error.
  if (STRING_TOKEN.test(s) || s.includes('#{TfToken[') || s.includes('&{TfToken[')) return cdktfResolve(w, s);
  const out = renderTemplateText(s, (marker) => cdktfResolve(w, marker), w.text === 'escape');
  return NUMBER_LIKE.test(out) ? cdktfResolve(w, out) : out; // number tokens in the text
}

function walk(w: Walk, value: unknown, depth: number): unknown {
  switch (typeof value) {
    case 'string':
      return resolveString(w, value);
    case 'number':
      return mayBeTokenNumber(value) ? cdktfResolve(w, value) : value;
    case 'object':
      break;
    case 'function':
      return cdktfResolve(w, value); // cdktf's error for a function in the data
    default:
      return value;
  }
  if (value === null) return value;
  if (depth > MAX_DEPTH) return cdktfResolve(w, value);
  if (Array.isArray(value)) {
    // A list token stands alone in an array, so cdktf resolves such arrays as a whole.
    if (value.some((x) => (typeof x === 'string' && x.includes(TOKEN_MARKER) && !w.text) || (typeof x === 'string' && x.includes('#{TfToken[')) || (typeof x === 'number' && mayBeTokenNumber(x)))) {
      return cdktfResolve(w, value);
    }
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const v = walk(w, value[i], depth + 1);
      if ((v !== value[i] || v === undefined) && !out) out = value.slice(0, i);
      if (out && v !== undefined) out.push(v);
    }
    return out ?? value;
  }
  // Tokens, constructs (an error), dates and other class instances: cdktf decides.
  if (!isPlainObject(value) || typeof (value as { resolve?: unknown }).resolve === 'function') return cdktfResolve(w, value);
  const obj = value as Record<string, unknown>;
  let out: Record<string, unknown> | undefined;
  let i = 0;
  for (const k in obj) {
    if (mayHoldToken(k)) return cdktfResolve(w, value); // tokens in keys, map tokens
    const key = w.text === 'escape' ? (renderTemplateText(k, (m) => m, true)) : k;
    const v = walk(w, obj[k], depth + 1);
    if ((v !== obj[k] || v === undefined || key !== k) && !out) {
      out = {};
      let j = 0;
      for (const before in obj) {
        if (j++ === i) break;
        out[before] = obj[before];
      }
    }
    if (out && v !== undefined) out[key] = v;
    i++;
  }
  return out ?? value;
}
