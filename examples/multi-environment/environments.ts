import { Construct } from 'constructs';
import { EnvironmentName, MlopsPlatform } from '../../lib';

/** Per-environment sizing and accounts; everything else comes from the environment profiles. */
export const ENVIRONMENTS: Record<EnvironmentName, { region: string; adminRoleArn: string; stateBucket: string }> = {
  dev: { region: 'eu-west-1', adminRoleArn: 'arn:aws:iam::111111111111:role/acme-platform-admins', stateBucket: 'acme-terraform-state-dev' },
  staging: { region: 'eu-west-1', adminRoleArn: 'arn:aws:iam::222222222222:role/acme-platform-admins', stateBucket: 'acme-terraform-state-staging' },
  prod: { region: 'eu-west-1', adminRoleArn: 'arn:aws:iam::333333333333:role/acme-platform-admins', stateBucket: 'acme-terraform-state-prod' },
};

/** One app, three environments of the same platform, each with its own state bucket and lockfile locking. */
export function createEnvironments(scope: Construct): Record<EnvironmentName, MlopsPlatform> {
  const out = {} as Record<EnvironmentName, MlopsPlatform>;
  for (const env of Object.keys(ENVIRONMENTS) as EnvironmentName[]) {
    const e = ENVIRONMENTS[env];
    out[env] = new MlopsPlatform(scope, `mlops-${env}`, {
      name: 'acme-mlops',
      environment: env,
      region: e.region,
      tags: { owner: 'ml-platform@acme.example', 'cost-center': 'cc-4711', 'data-classification': env === 'prod' ? 'confidential' : 'internal' },
      backend: { bucket: e.stateBucket, region: e.region, keyPrefix: 'acme-mlops' },
      // The CI runners that apply the add-ons and workloads stacks run in the first private subnet.
      cluster: { adminRoleArns: [e.adminRoleArn], privateEndpointSourceCidrs: ['10.0.0.0/18'] },
    });
  }
  return out;
}
