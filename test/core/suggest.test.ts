import { didYouMean, editDistance, nearest } from '../../lib/core/suggest';

describe('nearest (did-you-mean suggestions)', () => {
  const TYPES = ['RowCount', 'RowCountMatch', 'IsComplete', 'IsUnique', 'Completeness'];
  test('edit distance counts insertions, deletions and substitutions', () => {
    expect([editDistance('', 'abc'), editDistance('kitten', 'sitting'), editDistance('same', 'same')]).toEqual([3, 3, 0]);
  });
  test('a case-insensitive match comes first, even over a closer spelling', () => {
    expect(nearest('rowcount', TYPES)).toBe('RowCount');
    expect(nearest('ISUNIQUE', TYPES)).toBe('IsUnique');
  });
  test('then the only candidate the value abbreviates, then the closest within a third of its length', () => {
    expect(nearest('warn', ['error', 'warning', 'info'])).toBe('warning');
    expect(nearest('RowCnt', TYPES)).toBe('RowCount');
    expect(nearest('Completenes', TYPES)).toBe('Completeness');
  });
  test('nothing close: no suggestion', () => {
    expect(nearest('NotNull', TYPES)).toBeUndefined();
    expect(nearest('Row', TYPES)).toBeUndefined();
    expect(didYouMean('NotNull', TYPES)).toBe('');
    expect(didYouMean('iscomplete', TYPES)).toBe(' (did you mean "IsComplete"?)');
  });
});
