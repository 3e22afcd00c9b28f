import { App } from 'cdktf';
import { MlopsPlatform, MlopsPlatformProps } from '../lib/platform';
import { INetwork, Network } from '../lib/network/network';
import { danglingReferences, resource, synthesize } from './support/synth';
import { TAGS } from './support/fixtures';

// The runners applying the add-ons and workloads stacks are admitted by their security group.
const props: MlopsPlatformProps = { name: 'acme-mlops', environment: 'dev', region: 'eu-west-1', tags: TAGS, cluster: { privateEndpointSourceSecurityGroupIds: ['sg-0123456789abcdef0'] } };

/** A company platform that brings its own network layout by overriding the extension point. */
class CompanyPlatform extends MlopsPlatform {
  protected createNetwork(): INetwork {
    return new Network(this.platformStack, 'network', { cidr: '10.42.0.0/16', interfaceEndpoints: ['sts', 'ecr.api', 'ecr.dkr'] });
  }
}

describe('MlopsPlatform', () => {
  test('a subclass overrides a default through a protected extension point', () => {
    const s = synthesize((app) => new CompanyPlatform(app, 'acme', props));
    const p = s.stacks['acme-platform'];
    expect(resource(p, 'aws_vpc', 'network_vpc').cidr_block).toBe('10.42.0.0/16');
    expect(Object.keys(p.resource.aws_vpc_endpoint).sort()).toEqual(['network_endpoint_ecr_api', 'network_endpoint_ecr_dkr', 'network_endpoint_s3', 'network_endpoint_sts']);
    expect(danglingReferences(s)).toEqual([]);
  });

  test('exposed resources can be changed through the escape hatch', () => {
    const s = synthesize((app) => {
      const platform = new MlopsPlatform(app, 'acme', props);
      (platform.network as Network).vpc.addOverride('instance_tenancy', 'dedicated');
      platform.cluster.cluster.addOverride('upgrade_policy.support_type', 'EXTENDED');
    });
    const p = s.stacks['acme-platform'];
    expect(resource(p, 'aws_vpc', 'network_vpc').instance_tenancy).toBe('dedicated');
    expect(resource(p, 'aws_eks_cluster', 'cluster_cluster').upgrade_policy.support_type).toBe('EXTENDED');
  });

  test('three stacks: the platform applied from anywhere, then the add-ons and workloads from a runner admitted to the private endpoint', () => {
    let platform!: MlopsPlatform;
    const s = synthesize((app) => {
      platform = new MlopsPlatform(app, 'acme', { ...props, cluster: { privateEndpointSourceSecurityGroupIds: ['sg-0123456789abcdef0'] } });
    });
    expect(Object.keys(s.stacks).sort()).toEqual(['acme-addons', 'acme-platform', 'acme-workloads']);
    expect(danglingReferences(s)).toEqual([]);
    expect([platform.platformStack.appliedFrom, platform.addonsStack.appliedFrom, platform.workloadsStack.appliedFrom]).toEqual(['anywhere', 'cluster-network', 'cluster-network']);
    expect(platform.cluster.addonsStack).toBe(platform.addonsStack);
    expect(resource(s.stacks['acme-platform'], 'aws_vpc_security_group_ingress_rule', 'cluster_api_from_sg_0123456789abcdef0'))
      .toMatchObject({ referenced_security_group_id: 'sg-0123456789abcdef0', from_port: 443, to_port: 443, ip_protocol: 'tcp' });
    expect(Object.keys(s.stacks['acme-addons'].resource)).toEqual(['helm_release']);
  });

  test('an existing VPC can be used instead of a new one', () => {
    const s = synthesize((app) => new MlopsPlatform(app, 'acme', {
      ...props,
      network: { existing: { vpcId: 'vpc-0abc', vpcCidr: '10.9.0.0/16', availabilityZones: ['eu-west-1a', 'eu-west-1b'], privateSubnetIds: ['subnet-1', 'subnet-2'] } },
    }));
    const p = s.stacks['acme-platform'];
    expect(p.resource.aws_vpc).toBeUndefined();
    expect(resource(p, 'aws_eks_cluster', 'cluster_cluster').vpc_config.subnet_ids).toEqual(['subnet-1', 'subnet-2']);
  });

  test('dev and prod differ where the profiles say', () => {
    const dev = synthesize((app) => new MlopsPlatform(app, 'acme', props)).stacks['acme-platform'];
    const prod = synthesize((app) => new MlopsPlatform(app, 'acme', { ...props, environment: 'prod' })).stacks['acme-platform'];
    expect(Object.keys(dev.resource.aws_nat_gateway)).toHaveLength(1);
    expect(Object.keys(prod.resource.aws_nat_gateway)).toHaveLength(3);
    expect(resource(dev, 'aws_eks_cluster', 'cluster_cluster').deletion_protection).toBe(false);
    expect(resource(prod, 'aws_eks_cluster', 'cluster_cluster').deletion_protection).toBe(true);
    expect(resource(dev, 'aws_cloudwatch_log_group', 'network_flow_logs_log_group').retention_in_days).toBe(30);
    expect(resource(prod, 'aws_cloudwatch_log_group', 'network_flow_logs_log_group').retention_in_days).toBe(365);
  });

  test('an invalid platform name is an error naming the construct', () => {
    expect(() => new MlopsPlatform(new App({ outdir: '/tmp/cdktf-mlops-bad' }), 'acme', { ...props, name: 'Acme MLOps' }))
      .toThrow(/^\[acme\] name "Acme MLOps" must be lower-case letters, digits and hyphens, starting with a letter\. Fix: use a short name such as "acme-mlops"\.$/);
  });

  test('a training schedule naming an unknown team or GPU pool is an error naming the platform', () => {
    const schedule = { name: 'nightly', team: 'fraud', image: 'acme/train:1.0.0', command: ['python', 'train.py'], gpus: 1, schedule: '0 2 * * *' };
    expect(() => new MlopsPlatform(new App({ outdir: '/tmp/cdktf-mlops-bad' }), 'acme', { ...props, trainingSchedules: [schedule] }))
      .toThrow(/^\[acme\] training schedule "nightly" names team "fraud", which is not in teams\. Fix: add the team to teams, or use one of \(none\)\.$/);
    expect(() => new MlopsPlatform(new App({ outdir: '/tmp/cdktf-mlops-bad' }), 'acme', {
      ...props,
      teams: [{ name: 'fraud', accessRoleArn: 'arn:aws:iam::111122223333:role/fraud' }],
      trainingSchedules: [{ ...schedule, pool: 'inference' }],
    })).toThrow(/^\[acme\] training schedule "nightly" names GPU pool "inference", which is not in gpuPools\. Fix: use one of training\.$/);
  });

  test('a missing required tag fails at construction with the stack path', () => {
    expect(() => new MlopsPlatform(new App({ outdir: '/tmp/cdktf-mlops-bad' }), 'acme', { ...props, tags: { owner: 'x', 'cost-center': 'y' } }))
      .toThrow(/^\[acme\/acme-platform\] required tag "data-classification" missing\./);
  });
});
