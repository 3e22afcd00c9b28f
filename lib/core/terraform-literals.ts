/**
 * Terraform reads `${...}` and `%{...}` in every string of its configuration, the JSON syntax
 * included, as interpolations and template directives. Text that only passes through Terraform,
 * such as a script in a ConfigMap (`${file}` in a JavaScript template literal, `${HOME}` in a shell
 * line) or a chart value (`${1}_per_second`), must reach it escaped as `$${` and `%%{`. cdktf token
 * markers (`${TfToken[...]}`) are left alone: cdktf resolves them into the intended expressions.
 */
const LITERAL_INTERPOLATION = /\$\{(?!TfToken\[)/g;
const LITERAL_DIRECTIVE = /%\{/g;

/** `s` with its literal `${` and `%{` escaped for Terraform (token markers untouched). */
export function escapeTemplateSequences(s: string): string {
  if (!s.includes('{')) return s;
  return s.replace(LITERAL_INTERPOLATION, '$$${').replace(LITERAL_DIRECTIVE, '%%{');
}

/**
 * Every string and key of plain data escaped as {@link escapeTemplateSequences}; returns the
 * input's own subtrees where nothing needed escaping.
 */
export function escapeTemplateSequencesIn<T>(data: T): T {
  return escape(data) as T;
}

function escape(value: unknown): unknown {
  if (typeof value === 'string') return escapeTemplateSequences(value);
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    value.forEach((x, i) => {
      const e = escape(x);
      if (e !== x && !out) out = value.slice(0, i);
      if (out) out.push(e);
    });
    return out ?? value;
  }
  if (value === null || typeof value !== 'object' || Object.getPrototypeOf(value) !== Object.prototype) return value;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj);
  let out: Record<string, unknown> | undefined;
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i];
    const ek = escapeTemplateSequences(k);
    const ev = escape(obj[k]);
    if ((ek !== k || ev !== obj[k]) && !out) {
      out = {};
      for (let j = 0; j < i; j++) out[keys[j]] = obj[keys[j]];
    }
    if (out) out[ek] = ev;
  }
  return out ?? value;
}
