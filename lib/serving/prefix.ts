/** A literal key prefix without leading slashes and with one trailing `/`, or undefined when empty or wildcarded. */
export function normalizeKeyPrefix(prefix: string): string | undefined {
  if (/[*?]/.test(prefix)) return undefined;
  const p = prefix.replace(/^\/+/, '');
  if (p === '') return undefined;
  return p.replace(/\/?$/, '/');
}
