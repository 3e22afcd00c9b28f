import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdktf';
import { IamDecisionCache } from '../../lib/governance/system/iam-decision-cache';
import { modelOfOutdir, PlatformModel } from '../../lib/governance/policy/model';
import { systemModelOf } from '../../lib/governance/system/system-model';
import { systemFlows } from '../../lib/governance/system/flows';
import { declaredNeeds } from '../../lib/governance/system/needs';
import { synthesize } from '../support/synth';
import { badFixture } from './fixtures/policy-fixtures';

describe('IamDecisionCache', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'iam-cache-'));

  test('a key changes with every input', () => {
    const base = ['engine@1', 'arn:aws:iam::000000000000:role/a', 's3:GetObject', 'arn:aws:s3:::b/k', '{}', 'policy-digest'];
    const keys = new Set([IamDecisionCache.key(...base), ...base.map((_, i) => IamDecisionCache.key(...base.map((p, j) => (i === j ? `${p}x` : p))))]);
    expect(keys.size).toBe(base.length + 1);
    // parts are separated: moving a character from one part to the next is another key
    expect(IamDecisionCache.key('ab', 'c')).not.toBe(IamDecisionCache.key('a', 'bc'));
  });

  test('a document digest follows its content, not its identity', () => {
    expect(IamDecisionCache.digest({ Statement: [{ Effect: 'Allow' }] })).toBe(IamDecisionCache.digest({ Statement: [{ Effect: 'Allow' }] }));
    expect(IamDecisionCache.digest({ Statement: [{ Effect: 'Allow' }] })).not.toBe(IamDecisionCache.digest({ Statement: [{ Effect: 'Deny' }] }));
    expect(IamDecisionCache.digest(undefined)).toBe('-');
  });

  test('decisions written by one process are read by the next, merged with what others wrote', () => {
    const file = path.join(dir, 'decisions.json');
    const a = new IamDecisionCache(file);
    a.set('k1', 'Allowed');
    a.save();
    const b = new IamDecisionCache(file);
    b.set('k2', 'ExplicitlyDenied');
    const c = new IamDecisionCache(file);
    expect(c.get('k1')).toBe('Allowed');
    b.save();
    expect(new IamDecisionCache(file).get('k1')).toBe('Allowed');
    expect(new IamDecisionCache(file).get('k2')).toBe('ExplicitlyDenied');
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  test('a file others may write is not trusted: its answers could be planted', () => {
    const file = path.join(dir, 'shared.json');
    fs.writeFileSync(file, JSON.stringify({ k1: 'Allowed' }));
    fs.chmodSync(file, 0o666);
    expect(new IamDecisionCache(file).get('k1')).toBeUndefined();
    fs.chmodSync(file, 0o600);
    expect(new IamDecisionCache(file).get('k1')).toBe('Allowed');
  });

  test('the cache is written readable by its owner only', () => {
    const file = path.join(dir, 'own', 'decisions.json');
    const c = new IamDecisionCache(file);
    c.set('k', 'Allowed');
    c.save();
    expect(fs.statSync(file).mode & 0o077).toBe(0);
    expect(fs.statSync(path.dirname(file)).mode & 0o077).toBe(0);
  });

  test('an unreadable or corrupt file is an empty cache, never an error', () => {
    const file = path.join(dir, 'corrupt.json');
    fs.writeFileSync(file, '{not json');
    expect(new IamDecisionCache(file).get('k1')).toBeUndefined();
  });
});

describe('system flows with remembered IAM decisions', () => {
  test('a second evaluation, answered from the cache, gives exactly the flows of the first', () => {
    let app!: App;
    const s = synthesize((a) => { badFixture(a); app = a; });
    const model = (): PlatformModel => ({ ...modelOfOutdir(s.outdir), needs: declaredNeeds(app) });
    // Two models: the second evaluator has no in-memory decisions, so its answers come from the process cache.
    const first = systemFlows(systemModelOf(model()));
    const second = systemFlows(systemModelOf(model()));
    expect(second).toEqual(first);
    expect(first.filter((f) => f.kind === 'iam' || f.kind === 'duty').length).toBeGreaterThan(3);
    expect(first.some((f) => (f.kind === 'iam' || f.kind === 'duty') && f.status === 'broken')).toBe(true);
  });
});
