import { AWS_REGIONS } from '../../lib/core/validators';
import { App } from 'cdktf';
import { Construct } from 'constructs';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { MlopsStack } from '../../lib/core/mlops-stack';
import { profileFor, Profiles } from '../../lib/core/profiles';
import { synthesize, scratchOutdir } from '../support/synth';
import { HelmProvider } from '@cdktf/provider-helm/lib/provider';
import { testStack, TAGS } from '../support/fixtures';

describe('MlopsStack', () => {
  test('applies the required tags as provider default_tags, with environment and managed-by', () => {
    const s = synthesize((app) => testStack(app));
    expect(s.stacks.platform.provider.aws[0].default_tags[0].tags).toEqual({
      ...TAGS, environment: 'dev', 'managed-by': 'cdktf-mlops',
    });
    expect(s.stacks.platform.provider.aws[0].region).toBe('eu-west-1');
  });

  test.each(['owner', 'cost-center', 'data-classification'])('a missing required tag %s is an error naming the stack and the fix', (tag) => {
    const tags: Record<string, string> = { ...TAGS };
    delete tags[tag];
    expect(() => testStack(new App({ outdir: '/tmp/x' }), { tags }))
      .toThrow(new RegExp(`^\\[platform\\] required tag "${tag}" missing\\. Fix: add '${tag}': '...' to the tags prop`));
  });

  test('an unknown data classification is an error', () => {
    expect(() => testStack(new App({ outdir: '/tmp/x' }), { tags: { ...TAGS, 'data-classification': 'secret' } }))
      .toThrow(/\[platform\] tag "data-classification" is "secret", which is not a known classification\. Fix: use one of public, internal, confidential, restricted\./);
  });

  test('bad region and name prefix are errors', () => {
    expect(() => testStack(new App({ outdir: '/tmp/x' }), { region: 'europe' })).toThrow(`[platform] region "europe" is not an AWS region. Fix: use one of ${Object.keys(AWS_REGIONS).join(', ')}.`);
    expect(() => testStack(new App({ outdir: '/tmp/x' }), { region: 'eu-west-4' })).toThrow('[platform] region "eu-west-4" is not an AWS region; did you mean "eu-west-1"? Fix: use "eu-west-1", or one of ' + `${Object.keys(AWS_REGIONS).join(', ')}.`);
    expect(() => testStack(new App({ outdir: '/tmp/x' }), { namePrefix: 'Acme_Prod' })).toThrow(/\[platform\] namePrefix "Acme_Prod" must be/);
  });

  test('logical ids are the readable construct path, without hashes, and collisions are errors', () => {
    const s = synthesize((app) => {
      const stack = testStack(app);
      const lake = new Construct(stack, 'DataLake');
      new S3Bucket(lake, 'RawBucket', { bucket: 'acme-dev-raw' });
    });
    expect(Object.keys(s.stacks.platform.resource.aws_s3_bucket)).toEqual(['data_lake_raw_bucket']);
    expect(() => synthesize((app) => {
      const stack = testStack(app);
      new S3Bucket(new Construct(stack, 'a'), 'b_c', { bucket: 'acme-dev-one' });
      new S3Bucket(new Construct(stack, 'a_b'), 'c', { bucket: 'acme-dev-two' });
    })).toThrow(/\[platform\/a_b\/c\] its Terraform address "a_b_c" is already used by platform\/a\/b_c\./);
  });

  test('an S3 backend keeps state per stack with encryption and native lockfile locking', () => {
    const s = synthesize((app) => testStack(app, { backend: { bucket: 'acme-tf-state', region: 'eu-west-1' } }));
    expect(s.stacks.platform.terraform.backend.s3).toEqual({
      bucket: 'acme-tf-state', region: 'eu-west-1', key: 'cdktf-mlops/platform.tfstate', encrypt: true, use_lockfile: true,
    });
  });

  test('constructs outside an MlopsStack get a clear error', () => {
    const app = new App({ outdir: '/tmp/x' });
    expect(() => MlopsStack.of(new Construct(app, 'loose'))).toThrow(/^\[loose\] this construct is not inside an MlopsStack/);
  });

  test('profiles are protective in prod and overridable', () => {
    expect(Profiles.prod.deletionProtection).toBe(true);
    expect(Profiles.prod.natGatewayPerAz).toBe(true);
    expect(Profiles.prod.availabilityZoneCount).toBe(3);
    expect(Profiles.dev.natGatewayPerAz).toBe(false);
    expect(profileFor('prod', { logRetentionDays: 731 }).logRetentionDays).toBe(731);
    expect(profileFor('prod', { logRetentionDays: 731 }).name).toBe('prod');
  });

  test('a helm or kubernetes provider in the platform stack (applied from anywhere) is a synth error', () => {
    const app = new App({ outdir: scratchOutdir() });
    const stack = testStack(app);
    expect(stack.appliedFrom).toBe('anywhere');
    new HelmProvider(new Construct(stack, 'charts'), 'helm', {});
    expect(() => app.synth()).toThrow(/\[platform\] platform\/charts\/helm configures the helm provider, but this stack is applied from anywhere \(appliedFrom "anywhere"\) and a cluster's API endpoint is reachable only from its network\. Fix: install charts through a HelmAddon \(the cluster's AddonsStack\) and Kubernetes objects through cluster\.workloads\.scopeFor\(\) \(the WorkloadsStack\)\./);
  });
});
