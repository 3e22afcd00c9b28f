import { Construct } from 'constructs';
import { MlopsPlatform } from '../../lib';

/** The reference platform: what `cdktf synth` builds from this repository. */
export function createReferencePlatform(scope: Construct, id = 'mlops-prod'): MlopsPlatform {
  return new MlopsPlatform(scope, id, {
    name: 'acme-mlops',
    environment: 'prod',
    region: 'eu-west-1',
    tags: {
      owner: 'ml-platform@acme.example',
      'cost-center': 'cc-4711',
      'data-classification': 'confidential',
    },
    cluster: {
      adminRoleArns: ['arn:aws:iam::111122223333:role/acme-platform-admins'],
    },
  });
}
