import { App } from 'cdktf';
import { Network } from '../../lib/network/network';
import { profileFor } from '../../lib/core/profiles';
import { danglingReferences, policy, resource, resources, synthesize, Synthesized } from '../support/synth';
import { testStack } from '../support/fixtures';

const bad = (props: ConstructorParameters<typeof Network>[2], stackProps = {}) => () => new Network(testStack(new App({ outdir: '/tmp/cdktf-mlops-bad' }), stackProps), 'network', props);

describe('Network (prod profile)', () => {
  let s: Synthesized;
  let tf: any;
  beforeAll(() => {
    s = synthesize((app) => new Network(testStack(app, { profile: 'prod' }), 'network', { clusterNames: ['acme-prod'] }));
    tf = s.stacks.platform;
  });

  test('every reference resolves', () => expect(danglingReferences(s)).toEqual([]));

  test('a VPC with DNS over three zones with public, private and data subnets', () => {
    expect(resource(tf, 'aws_vpc', 'network_vpc')).toMatchObject({ cidr_block: '10.0.0.0/16', enable_dns_hostnames: true, enable_dns_support: true });
    const subnets = resources(tf, 'aws_subnet');
    expect(Object.keys(subnets).sort()).toEqual([
      'network_data_subnet_0', 'network_data_subnet_1', 'network_data_subnet_2',
      'network_private_subnet_0', 'network_private_subnet_1', 'network_private_subnet_2',
      'network_public_subnet_0', 'network_public_subnet_1', 'network_public_subnet_2',
    ]);
    expect([0, 1, 2].map((i) => subnets[`network_private_subnet_${i}`].availability_zone)).toEqual(['eu-west-1a', 'eu-west-1b', 'eu-west-1c']);
    expect(subnets.network_private_subnet_0.cidr_block).toBe('10.0.0.0/18');
    expect(subnets.network_public_subnet_0.cidr_block).toBe('10.0.192.0/21');
    expect(subnets.network_data_subnet_2.cidr_block).toBe('10.0.240.0/21');
    for (const sn of Object.values<any>(subnets)) expect(sn.map_public_ip_on_launch ?? false).toBe(false);
  });

  test('subnets carry the EKS load-balancer and Karpenter discovery tags', () => {
    expect(resource(tf, 'aws_subnet', 'network_public_subnet_0').tags).toMatchObject({ 'kubernetes.io/role/elb': '1', 'kubernetes.io/cluster/acme-prod': 'shared' });
    expect(resource(tf, 'aws_subnet', 'network_private_subnet_0').tags).toMatchObject({
      'kubernetes.io/role/internal-elb': '1', 'kubernetes.io/cluster/acme-prod': 'shared', 'karpenter.sh/discovery': 'acme-prod',
    });
  });

  test('one NAT gateway per zone in prod, each private route table through its own zone', () => {
    expect(Object.keys(resources(tf, 'aws_nat_gateway'))).toHaveLength(3);
    expect(resource(tf, 'aws_route', 'network_private_default_route_1').nat_gateway_id).toBe('${aws_nat_gateway.network_nat_gateway_1.id}');
  });

  test('data subnets have no route to the internet', () => {
    const routes = Object.values<any>(resources(tf, 'aws_route'));
    expect(routes.filter((r) => r.route_table_id.includes('data_route_table'))).toEqual([]);
  });

  test('the default security group has no rules', () => {
    const sg = resource(tf, 'aws_default_security_group', 'network_default_security_group');
    expect(sg.ingress).toBeUndefined();
    expect(sg.egress).toBeUndefined();
  });

  test('S3 gateway endpoint on private and data route tables, interface endpoints with private DNS', () => {
    const eps = resources(tf, 'aws_vpc_endpoint');
    expect(eps.network_endpoint_s3).toMatchObject({ vpc_endpoint_type: 'Gateway', service_name: 'com.amazonaws.eu-west-1.s3' });
    expect(eps.network_endpoint_s3.route_table_ids).toHaveLength(4);
    for (const svc of ['ecr_api', 'ecr_dkr', 'sts', 'logs', 'kms', 'secretsmanager']) {
      expect(eps[`network_endpoint_${svc}`]).toMatchObject({ vpc_endpoint_type: 'Interface', private_dns_enabled: true });
    }
    expect(resource(tf, 'aws_vpc_security_group_ingress_rule', 'network_endpoint_https_from_vpc')).toMatchObject({ from_port: 443, to_port: 443, cidr_ipv4: '10.0.0.0/16' });
  });

  test('flow logs of all traffic go to a KMS-encrypted log group with profile retention', () => {
    expect(resource(tf, 'aws_flow_log', 'network_flow_log')).toMatchObject({ traffic_type: 'ALL', log_destination_type: 'cloud-watch-logs' });
    const lg = resource(tf, 'aws_cloudwatch_log_group', 'network_flow_logs_log_group');
    expect(lg).toMatchObject({ name: '/aws/vpc/acme-dev/flow-logs', retention_in_days: 365, kms_key_id: '${aws_kms_key.keys_logs_key.arn}' });
    const trust = policy(resource(tf, 'aws_iam_role', 'network_flow_log_role_role').assume_role_policy);
    expect(trust.Statement[0].Principal).toEqual({ Service: 'vpc-flow-logs.amazonaws.com' });
    const grants = policy(resource(tf, 'aws_iam_role_policy', 'network_flow_log_role_policy').policy);
    expect(grants.Statement).toEqual([{
      Effect: 'Allow',
      Action: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
      Resource: '${aws_cloudwatch_log_group.network_flow_logs_log_group.arn}:*',
    }]);
  });
});

describe('Network (dev profile)', () => {
  test('two zones and a single NAT gateway', () => {
    const s = synthesize((app) => new Network(testStack(app), 'network'));
    expect(Object.keys(resources(s.stacks.platform, 'aws_nat_gateway'))).toEqual(['network_nat_gateway_0']);
    expect(Object.keys(resources(s.stacks.platform, 'aws_subnet'))).toHaveLength(6);
    expect(resource(s.stacks.platform, 'aws_route', 'network_private_default_route_1').nat_gateway_id).toBe('${aws_nat_gateway.network_nat_gateway_0.id}');
    expect(danglingReferences(s)).toEqual([]);
  });
});

describe('Network input errors', () => {
  test('a bad CIDR', () => expect(bad({ cidr: '10.0.0.0/33' })).toThrow(/^\[platform\/network\] cidr "10\.0\.0\.0\/33" is not a valid IPv4 CIDR block\. Fix: use an aligned block such as "10\.0\.0\.0\/16"\.$/));
  test('a misaligned CIDR', () => expect(bad({ cidr: '10.0.1.0/16' })).toThrow(/cidr "10\.0\.1\.0\/16" is not a valid IPv4 CIDR block/));
  test('a CIDR too small for EKS', () => expect(bad({ cidr: '10.0.0.0/24' })).toThrow(/^\[platform\/network\] cidr "10\.0\.0\.0\/24" has prefix \/24; the VPC needs \/16 to \/20\./));
  test('a public CIDR', () => expect(bad({ cidr: '8.8.0.0/16' })).toThrow(/is not in RFC 1918 private address space/));
  test('too few availability zones', () => expect(bad({ availabilityZoneCount: 1 })).toThrow(/^\[platform\/network\] availabilityZoneCount 1 is outside 2-3; EKS needs subnets in at least two zones\. Fix: use 2 \(dev\) or 3/));
  test('a zone of another region', () => expect(bad({ availabilityZones: ['us-east-1a', 'us-east-1b'] })).toThrow(/availability zone "us-east-1a" is not a zone of region eu-west-1/));
  test('a repeated zone', () => expect(bad({ availabilityZones: ['eu-west-1a', 'eu-west-1a'] })).toThrow(/repeats a zone/));
  test('an unknown interface endpoint', () => expect(bad({ interfaceEndpoints: ['s3'] })).toThrow(/interface endpoint "s3" is not a service suffix/));
  test('flow log retention below the profile minimum', () => expect(bad({ flowLogRetentionDays: 30 }, { profile: 'prod' }))
    .toThrow(new Error("[platform/network/flow_logs] log retention of 30 days (flowLogRetentionDays) is below the prod profile's minimum of 90. Fix: set flowLogRetentionDays to at least 90.")));
  test('flow log retention from profileOverrides.logRetentionDays names that override', () => {
    expect(bad({}, { profile: profileFor('prod', { logRetentionDays: 30 }) }))
      .toThrow(new Error("[platform/network/flow_logs] log retention of 30 days (profileOverrides.logRetentionDays) is below the prod profile's minimum of 90. Fix: set profileOverrides.logRetentionDays to at least 90."));
    expect(bad({}, { profile: profileFor('prod', { logRetentionDays: 100 }) }))
      .toThrow(new Error('[platform/network/flow_logs] log retention 100 (profileOverrides.logRetentionDays) is not a value CloudWatch Logs accepts. Fix: set profileOverrides.logRetentionDays to one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653.'));
  });
  test('a profile default below profileOverrides.minimumLogRetentionDays names both', () => {
    expect(bad({}, { profile: profileFor('dev', { minimumLogRetentionDays: 60 }) }))
      .toThrow(new Error("[platform/network/flow_logs] log retention of 30 days (the dev profile's logRetentionDays) is below profileOverrides.minimumLogRetentionDays of 60. Fix: set profileOverrides.logRetentionDays to at least 60."));
  });
});

describe('Network.fromExisting', () => {
  test('imports ids without creating anything', () => {
    let imported: any;
    const s = synthesize((app) => {
      imported = Network.fromExisting(testStack(app), 'network', {
        vpcId: 'vpc-0123456789abcdef0', vpcCidr: '10.1.0.0/16', availabilityZones: ['eu-west-1a', 'eu-west-1b'], privateSubnetIds: ['subnet-a', 'subnet-b'],
      });
    });
    expect(imported.privateSubnetIds).toEqual(['subnet-a', 'subnet-b']);
    expect(imported.dataSubnetIds).toEqual(['subnet-a', 'subnet-b']);
    expect(s.stacks.platform.resource).toBeUndefined();
  });

  test('rejects a VPC id and too few subnets', () => {
    const stack = () => testStack(new App({ outdir: '/tmp/cdktf-mlops-bad' }));
    expect(() => Network.fromExisting(stack(), 'n', { vpcId: 'my-vpc', vpcCidr: '10.1.0.0/16', availabilityZones: ['a', 'b'], privateSubnetIds: ['x', 'y'] }))
      .toThrow(/^\[platform\/n\] vpcId "my-vpc" is not a VPC id\./);
    expect(() => Network.fromExisting(stack(), 'n', { vpcId: 'vpc-1', vpcCidr: '10.1.0.0/16', availabilityZones: ['a'], privateSubnetIds: ['x'] }))
      .toThrow(/needs private subnets in at least 2 availability zones/);
  });
});
