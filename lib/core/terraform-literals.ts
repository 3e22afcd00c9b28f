/**
 * Terraform reads `${...}` and `%{...}` in every string of its configuration, the JSON syntax
 * included, as interpolations and template directives. Text that only passes through Terraform,
 * such as a script in a ConfigMap (`${file}` in a JavaScript template literal, `${HOME}` in a shell
 * line) or a chart value (`${1}_per_second`), must reach it escaped as `$${` and `%%{`, while the
 * cdktf tokens in that text (`${TfToken[...]}`) must become the expressions they stand for.
 *
 * cdktf's own string resolution cannot be used for such text: it reads a literal `${` as the start
 * of a Terraform expression and renders the tokens inside it without braces. So the text is split
 * at its tokens, each token is resolved alone, and only the literal pieces are escaped.
 */

/** A cdktf string token marker, kept by `split` as its own piece. */
const TOKEN_PIECE = /(\$\{TfToken\[[a-zA-Z0-9:._-]+\]\})/;
/** What Terraform would read in literal text: `${`, `%{`, or a `$` run right before an interpolation. */
const NEEDS_ESCAPING = /\$\{(?!TfToken\[)|%\{|\$\$\{TfToken\[/;

/** Literal text escaped for Terraform: `${` becomes `$${`, `%{` becomes `%%{`. */
export function escapeTemplateSequences(text: string): string {
  if (!text.includes('{')) return text;
  return text.replace(/\$\{/g, '$$${').replace(/%\{/g, '%%{');
}

/**
 * `text` (literal text with cdktf string tokens in it) as Terraform should receive it: each token
 * replaced by `resolveToken(marker)` (its expression, `${...}`), the literal pieces escaped when
 * `escape` is set, or kept as they are otherwise (for YAML and review). A `$` run right before a
 * token is written `${"$"}`, since `$${` would escape the token's own interpolation.
 */
export function renderTemplateText(text: string, resolveToken: (marker: string) => unknown, escape: boolean): string {
  const pieces = text.split(TOKEN_PIECE);
  let out = '';
  for (let i = 0; i < pieces.length; i++) {
    if (i % 2 === 1) {
      out += String(resolveToken(pieces[i]));
      continue;
    }
    let literal = pieces[i];
    if (escape) {
      literal = escapeTemplateSequences(literal);
      if (i + 1 < pieces.length) literal = literal.replace(/\$+$/, (run) => `\${"${run}"}`);
    }
    out += literal;
  }
  return out;
}

/** Whether plain data holds text that reaches Terraform differently once escaped (strings and keys). */
export function needsTemplateEscaping(value: unknown): boolean {
  if (typeof value === 'string') return NEEDS_ESCAPING.test(value);
  if (Array.isArray(value)) return value.some(needsTemplateEscaping);
  if (value === null || typeof value !== 'object') return false;
  for (const k in value) {
    if (NEEDS_ESCAPING.test(k) || needsTemplateEscaping((value as Record<string, unknown>)[k])) return true;
  }
  return false;
}

/**
 * Terraform's reading of escaped text in plain data: `$${` is `${` and `%%{` is `%{` (for reading a
 * synthesized object as Kubernetes receives it). Returns the input's own subtrees where nothing changed.
 */
export function unescapeTemplateSequences<T>(value: T): T {
  if (typeof value === 'string') {
    return (value.includes('{') ? value.replace(/\$\$\{/g, '${').replace(/%%\{/g, '%{') : value) as T;
  }
  if (Array.isArray(value)) {
    const out = value.map(unescapeTemplateSequences);
    return (out.some((x, i) => x !== value[i]) ? out : value) as T;
  }
  if (value === null || typeof value !== 'object') return value;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj);
  let out: Record<string, unknown> | undefined;
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i];
    const uk = unescapeTemplateSequences(k);
    const uv = unescapeTemplateSequences(obj[k]);
    if ((uk !== k || uv !== obj[k]) && !out) {
      out = {};
      for (let j = 0; j < i; j++) out[keys[j]] = obj[keys[j]];
    }
    if (out) out[uk] = uv;
  }
  return (out ?? value) as T;
}
