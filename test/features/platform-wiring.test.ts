import { createReferencePlatform } from '../../examples/enterprise-platform/platform';
import { FeatureStore } from '../../lib/features/feature-store';
import { FeatureViewProps } from '../../lib/features/feature-view';
import { allObjects, danglingReferences, object, resource, resources, schemaViolations, synthesize, Synthesized } from '../support/synth';

/** The views proposed for the reference example: two views, one of them at version 2 (v1 kept while consumers move). */
export const REFERENCE_FEATURE_VIEWS: FeatureViewProps[] = [
  {
    name: 'customer_profile', version: 1,
    entities: [{ name: 'customer', key: 'customer_id' }],
    features: [{ name: 'tenure_months', type: 'int64' }, { name: 'plan', type: 'string' }],
    ttl: 86400, source: { timestampField: 'event_timestamp' },
    owner: 'fraud-team@acme.example',
  },
  {
    name: 'customer_profile', version: 2,
    entities: [{ name: 'customer', key: 'customer_id' }],
    features: [{ name: 'tenure_months', type: 'int64' }, { name: 'plan', type: 'string' }, { name: 'lifetime_value', type: 'float64' }],
    ttl: 86400, source: { timestampField: 'event_timestamp', createdTimestampField: 'created_at' },
    owner: 'fraud-team@acme.example', dataClassification: 'restricted',
  },
  {
    name: 'clickstream_activity', version: 1,
    entities: [{ name: 'customer', key: 'customer_id' }],
    features: [{ name: 'clicks_1h', type: 'int64' }, { name: 'purchases_24h', type: 'int64' }],
    ttl: 3600, source: { timestampField: 'event_timestamp', producedBy: 'clickstream aggregation job' },
    owner: 'growth-team@acme.example',
  },
];

// Mirrors the wiring proposed (until it lands; then the platform's own store is tested) for MlopsPlatform (lib/platform.ts is the lead's): the store in the
// platform stack, on the lake's features zone, the platform cluster and the system namespace.
describe('FeatureStore wired into the reference platform', () => {
  let s: Synthesized;
  beforeAll(() => {
    s = synthesize((app) => {
      const platform = createReferencePlatform(app);
      // Once MlopsPlatform and the example carry the store (same views), use theirs.
      if ((platform as unknown as { features?: FeatureStore }).features) return;
      new FeatureStore(platform.platformStack, 'features', {
        zone: platform.data.lake.zone('features'),
        cluster: platform.cluster,
        namespace: platform.systemNamespace.name,
        featureViews: REFERENCE_FEATURE_VIEWS,
        server: { clients: [{ namespace: 'mlops-system' }] },
      });
    });
  });

  test('references resolve and every Kubernetes object passes the upstream schemas', () => {
    expect(danglingReferences(s)).toEqual([]);
    expect(schemaViolations(allObjects(s))).toEqual([]);
  });

  test('prod: online tables protected, named for Feast, registry lists every version with its owner', () => {
    const t = s.stacks['mlops-prod-platform'];
    const tables = Object.values<any>(resources(t, 'aws_dynamodb_table')).filter((x) => x.name.startsWith('acme_mlops_prod_features.'));
    expect(tables.map((x) => x.name).sort()).toEqual([
      'acme_mlops_prod_features.clickstream_activity_v1', 'acme_mlops_prod_features.customer_profile_v1', 'acme_mlops_prod_features.customer_profile_v2',
    ]);
    for (const x of tables) expect(x).toMatchObject({ deletion_protection_enabled: true, lifecycle: { prevent_destroy: true }, point_in_time_recovery: { enabled: true } });
    const doc = JSON.parse(resource(t, 'aws_s3_object', 'features_registry').content);
    expect(doc.featureViews.map((v: any) => `${v.name}@${v.version} ${v.owner} ${v.dataClassification}`)).toEqual([
      'customer_profile@1 fraud-team@acme.example confidential',
      'customer_profile@2 fraud-team@acme.example restricted',
      'clickstream_activity@1 growth-team@acme.example confidential',
    ]);
  });

  test('prod: the feature server runs the profile minimum of 2 replicas in mlops-system', () => {
    expect(object(s, 'HorizontalPodAutoscaler', 'feature-store-server', 'mlops-system').spec.minReplicas).toBe(2);
    expect(object(s, 'CronJob', 'feature-store-materialize', 'mlops-system').spec.concurrencyPolicy).toBe('Forbid');
  });
});
