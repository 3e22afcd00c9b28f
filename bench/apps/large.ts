import { App } from 'cdktf';
import { MlopsPlatform } from '../../lib';

/** A large platform: 100 model services, 20 feature views and 10 GPU pools. */
export function build(app: App): string {
  const gpuPools = Array.from({ length: 10 }, (_, i) => ({ poolName: `gpu-${i}`, maxSize: 4, fallbackMaxSize: 1 }));
  const featureViews = Array.from({ length: 20 }, (_, i) => ({
    name: `view_${i}`, version: 1 + (i % 2), entities: [{ name: 'customer', key: 'customer_id' }],
    features: [{ name: 'f1', type: 'int64' as const }, { name: 'f2', type: 'float64' as const }],
    ttl: 86400, source: { timestampField: 'event_timestamp', producedBy: 'the feature pipelines of the data team' }, owner: 'ml@acme.example',
  }));
  new MlopsPlatform(app, 'mlops-prod', {
    name: 'acme-mlops',
    environment: 'prod',
    region: 'eu-west-1',
    tags: { owner: 'ml-platform@acme.example', 'cost-center': 'cc-4711', 'data-classification': 'confidential', team: 'ml-platform', model: 'shared' },
    alerts: { emails: ['ml-platform-oncall@acme.example'] },
    cost: { monthlyBudgetUsd: 250000 },
    cluster: { adminRoleArns: ['arn:aws:iam::111122223333:role/acme-platform-admins'], privateEndpointSourceCidrs: ['10.0.0.0/18'] },
    gpuPools,
    teams: [{ name: 'fraud', accessRoleArn: 'arn:aws:iam::111122223333:role/acme-team-fraud' }],
    features: { featureViews },
    serving: {
      models: Array.from({ length: 100 }, (_, i) => ({
        name: `model-${i}`,
        modelVersion: '1',
        artifactsProducedBy: 'the model release jobs',
        image: `111122223333.dkr.ecr.eu-west-1.amazonaws.com/acme/model-${i}@sha256:${i.toString(16).padStart(64, '0')}`,
        features: [{ name: `view_${i % 20}`, version: 1 + ((i % 20) % 2) }],
        ...(i % 10 === 0 ? { gpu: { count: 1, pool: `gpu-${(i / 10) % 10}` } } : {}),
      })),
    },
  });
  return '100 models, 20 feature views, 10 GPU pools';
}
