import { App } from 'cdktf';
import { DataLake } from '../../lib/data/data-lake';
import { FeatureStore } from '../../lib/features/feature-store';
import { FeatureViewProps } from '../../lib/features/feature-view';
import { GpuNodePool } from '../../lib/compute/gpu-node-pool';
import { policy, resource, Synthesized } from '../support/synth';
import { testCluster } from '../support/fixtures';

/** Name of the fixture's platform stack. */
export const P = 'platform';
export { arr } from '../support/synth';
/** The inline policy statements of the role `<role>_role` in the platform stack. */
export const stmts = (s: Synthesized, role: string) => policy(resource(s.stacks[P], 'aws_iam_role_policy', `${role}_role_policy`).policy).Statement;

export const PROFILE: FeatureViewProps = {
  name: 'customer_profile', version: 1, entities: [{ name: 'customer', key: 'customer_id' }],
  features: [{ name: 'age', type: 'int64' }], ttl: 86400, source: { timestampField: 'event_timestamp' },
};
export const TXN: FeatureViewProps = { ...PROFILE, name: 'txn_stats', features: [{ name: 'txn_count_7d', type: 'int64' }] };

/** A cluster with a lake, a feature store of two views and (optionally) a GPU pool "serving". */
export function servingPlatform(app: App, profile: 'dev' | 'prod' = 'dev', gpu = false) {
  const t = testCluster(app, { stack: { profile } });
  const lake = new DataLake(t.stack, 'lake');
  const store = new FeatureStore(t.stack, 'features', { zone: lake.zone('features'), cluster: t.cluster, featureViews: [PROFILE, TXN] });
  if (gpu) new GpuNodePool(t.cluster, 'gpu_serving', { cluster: t.cluster, poolName: 'serving', maxSize: 4 });
  return { ...t, lake, store };
}
