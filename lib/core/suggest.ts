/** Levenshtein edit distance between `a` and `b` (insertions, deletions, substitutions). */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length];
}

/**
 * The candidate `value` most likely meant, for a "did you mean" hint: a case-insensitive match
 * first (`rowcount` -> `RowCount`), then the only candidate it abbreviates (`warn` -> `warning`,
 * at least 3 characters), then the only candidate it spells out (`production` -> `prod`), else the
 * closest by edit distance (case-insensitive) when it is within a third of the value's length (at
 * least 2 edits); `undefined` when nothing is close. Ties go to the first candidate.
 */
export function nearest(value: string, candidates: readonly string[]): string | undefined {
  const v = value.toLowerCase();
  const exact = candidates.find((c) => c.toLowerCase() === v);
  if (exact !== undefined) return exact;
  const extending = v.length >= 3 ? candidates.filter((c) => c.toLowerCase().startsWith(v)) : [];
  if (extending.length === 1) return extending[0];
  const extended = candidates.filter((c) => c.length >= 3 && v.startsWith(c.toLowerCase()));
  if (extended.length === 1) return extended[0];
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(value.length / 3)) + 1;
  for (const c of candidates) {
    const d = editDistance(v, c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

/** ` (did you mean "X"?)` for the {@link nearest} candidate, or an empty string. */
export function didYouMean(value: string, candidates: readonly string[]): string {
  const n = nearest(value, candidates);
  return n === undefined ? '' : ` (did you mean "${n}"?)`;
}
