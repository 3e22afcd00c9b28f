import { Construct } from 'constructs';
import { Vpc } from '@cdktf/provider-aws/lib/vpc';
import { Subnet } from '@cdktf/provider-aws/lib/subnet';
import { InternetGateway } from '@cdktf/provider-aws/lib/internet-gateway';
import { Eip } from '@cdktf/provider-aws/lib/eip';
import { NatGateway } from '@cdktf/provider-aws/lib/nat-gateway';
import { RouteTable } from '@cdktf/provider-aws/lib/route-table';
import { Route } from '@cdktf/provider-aws/lib/route';
import { RouteTableAssociation } from '@cdktf/provider-aws/lib/route-table-association';
import { DefaultSecurityGroup } from '@cdktf/provider-aws/lib/default-security-group';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule';
import { VpcEndpoint } from '@cdktf/provider-aws/lib/vpc-endpoint';
import { FlowLog } from '@cdktf/provider-aws/lib/flow-log';
import { MlopsStack } from '../core/mlops-stack';
import { invalid, show } from '../core/errors';
import { Cidr, cidrSubnet, isPrivateCidr, parseCidr } from '../core/cidr';
import { EncryptedLogGroup } from '../security/encrypted-log-group';
import { PlatformRole } from '../security/platform-role';

/** What other constructs need to know of a network. */
export interface INetwork {
  readonly vpcId: string;
  readonly vpcCidr: string;
  readonly availabilityZones: string[];
  /** Subnets for nodes and pods (egress through NAT). */
  readonly privateSubnetIds: string[];
  /** Subnets for internet-facing load balancers and NAT gateways. */
  readonly publicSubnetIds: string[];
  /** Subnets for databases and caches: no route to the internet. */
  readonly dataSubnetIds: string[];
}

/** Interface endpoints created by default so private nodes never reach these services over NAT. */
export const DEFAULT_INTERFACE_ENDPOINTS = ['ecr.api', 'ecr.dkr', 'sts', 'logs', 'kms', 'secretsmanager'];

/** Props of {@link Network}. */
export interface NetworkProps {
  /**
   * VPC CIDR block: RFC 1918 private space, prefix /16 to /20.
   * @default "10.0.0.0/16"
   */
  readonly cidr?: string;
  /**
   * Number of availability zones (2 or 3).
   * @default the profile's availabilityZoneCount (dev 2, staging and prod 3)
   */
  readonly availabilityZoneCount?: number;
  /**
   * Zone names, all in the stack's region.
   * @default the first `availabilityZoneCount` of `<region>a`, `<region>b`, `<region>c`
   */
  readonly availabilityZones?: string[];
  /**
   * One NAT gateway per AZ (true), or one for all (false; cheaper, not zone-resilient).
   * @default the profile's natGatewayPerAz (dev false, staging and prod true)
   */
  readonly natGatewayPerAz?: boolean;
  /**
   * Interface VPC endpoints (service suffixes such as `ecr.api`); S3 always gets a gateway endpoint.
   * @default DEFAULT_INTERFACE_ENDPOINTS
   */
  readonly interfaceEndpoints?: string[];
  /**
   * EKS cluster names whose load balancers and Karpenter discover these subnets by tag.
   * @default none
   */
  readonly clusterNames?: string[];
  /**
   * Flow log retention in days.
   * @default the profile's logRetentionDays
   */
  readonly flowLogRetentionDays?: number;
}

/** Attributes of an existing VPC to import. */
export interface ExistingNetworkAttributes {
  readonly vpcId: string;
  readonly vpcCidr: string;
  readonly availabilityZones: string[];
  readonly privateSubnetIds: string[];
  readonly publicSubnetIds?: string[];
  readonly dataSubnetIds?: string[];
}

/**
 * A VPC over 2-3 AZs with public, private and data subnets, NAT, VPC endpoints (S3 gateway and
 * interface endpoints for ECR, STS, Logs, KMS and Secrets Manager), flow logs of all traffic to a
 * KMS-encrypted log group, a default security group with no rules, and subnets tagged for EKS
 * load-balancer and Karpenter discovery.
 */
export class Network extends Construct implements INetwork {
  /** An existing VPC, by ids. Nothing is created. */
  public static fromExisting(scope: Construct, id: string, attrs: ExistingNetworkAttributes): INetwork {
    const c = new Construct(scope, id);
    if (!attrs.vpcId.startsWith('vpc-') && !attrs.vpcId.startsWith('${')) {
      invalid(c, `vpcId ${show(attrs.vpcId)} is not a VPC id.`, 'pass an id such as "vpc-0123456789abcdef0".');
    }
    if (!parseCidr(attrs.vpcCidr)) invalid(c, `vpcCidr ${show(attrs.vpcCidr)} is not a valid IPv4 CIDR block.`, 'pass the VPC\'s primary CIDR, e.g. "10.0.0.0/16".');
    if (attrs.privateSubnetIds.length < 2 || attrs.availabilityZones.length < 2) {
      invalid(c, `an imported network needs private subnets in at least 2 availability zones (got ${attrs.privateSubnetIds.length} subnets in ${attrs.availabilityZones.length} zones).`,
        'pass one private subnet per zone for at least two zones.');
    }
    return {
      vpcId: attrs.vpcId,
      vpcCidr: attrs.vpcCidr,
      availabilityZones: attrs.availabilityZones,
      privateSubnetIds: attrs.privateSubnetIds,
      publicSubnetIds: attrs.publicSubnetIds ?? [],
      dataSubnetIds: attrs.dataSubnetIds ?? attrs.privateSubnetIds,
    };
  }

  public readonly vpc: Vpc;
  public readonly vpcCidr: string;
  public readonly availabilityZones: string[];
  public readonly privateSubnets: Subnet[] = [];
  public readonly publicSubnets: Subnet[] = [];
  public readonly dataSubnets: Subnet[] = [];
  public readonly natGateways: NatGateway[] = [];
  public readonly endpointSecurityGroup: SecurityGroup;
  public readonly flowLogGroup: EncryptedLogGroup;
  public readonly flowLog: FlowLog;

  constructor(scope: Construct, id: string, props: NetworkProps = {}) {
    super(scope, id);
    const stack = MlopsStack.of(this);
    const profile = stack.profile;
    this.vpcCidr = props.cidr ?? '10.0.0.0/16';
    const cidr = this.checkCidr(this.vpcCidr);
    this.availabilityZones = this.resolveZones(stack, props);
    const name = stack.naming.prefix;
    const natPerAz = props.natGatewayPerAz ?? profile.natGatewayPerAz;
    const clusterTags: Record<string, string> = {};
    for (const cluster of props.clusterNames ?? []) clusterTags[`kubernetes.io/cluster/${cluster}`] = 'shared';

    this.vpc = new Vpc(this, 'vpc', {
      cidrBlock: this.vpcCidr,
      enableDnsHostnames: true,
      enableDnsSupport: true,
      tags: { Name: name },
    });
    new DefaultSecurityGroup(this, 'default_security_group', {
      vpcId: this.vpc.id,
      tags: { Name: `${name}-default-deny` },
    });
    const igw = new InternetGateway(this, 'internet_gateway', { vpcId: this.vpc.id, tags: { Name: name } });

    const publicRt = new RouteTable(this, 'public_route_table', { vpcId: this.vpc.id, tags: { Name: `${name}-public` } });
    new Route(this, 'public_default_route', { routeTableId: publicRt.id, destinationCidrBlock: '0.0.0.0/0', gatewayId: igw.id });
    const dataRt = new RouteTable(this, 'data_route_table', { vpcId: this.vpc.id, tags: { Name: `${name}-data` } });
    const privateRts: RouteTable[] = [];

    // Layout: the first three quarters are private subnets (one per AZ, room for pods); the last
    // quarter holds the public subnets (eighths 0-2) and the data subnets (eighths 4-6).
    const lastQuarter = parseCidr(cidrSubnet(cidr, 2, 3))!;
    this.availabilityZones.forEach((az, i) => {
      const pub = new Subnet(this, `public_subnet_${i}`, {
        vpcId: this.vpc.id,
        availabilityZone: az,
        cidrBlock: cidrSubnet(lastQuarter, 3, i),
        mapPublicIpOnLaunch: false,
        tags: { Name: `${name}-public-${az}`, 'kubernetes.io/role/elb': '1', tier: 'public', ...clusterTags },
      });
      this.publicSubnets.push(pub);
      new RouteTableAssociation(this, `public_route_table_association_${i}`, { subnetId: pub.id, routeTableId: publicRt.id });

      const priv = new Subnet(this, `private_subnet_${i}`, {
        vpcId: this.vpc.id,
        availabilityZone: az,
        cidrBlock: cidrSubnet(cidr, 2, i),
        tags: {
          Name: `${name}-private-${az}`,
          'kubernetes.io/role/internal-elb': '1',
          tier: 'private',
          ...clusterTags,
          ...Object.fromEntries((props.clusterNames ?? []).map((c) => ['karpenter.sh/discovery', c])),
        },
      });
      this.privateSubnets.push(priv);

      const data = new Subnet(this, `data_subnet_${i}`, {
        vpcId: this.vpc.id,
        availabilityZone: az,
        cidrBlock: cidrSubnet(lastQuarter, 3, 4 + i),
        tags: { Name: `${name}-data-${az}`, tier: 'data' },
      });
      this.dataSubnets.push(data);
      new RouteTableAssociation(this, `data_route_table_association_${i}`, { subnetId: data.id, routeTableId: dataRt.id });

      if (natPerAz || i === 0) {
        const eip = new Eip(this, `nat_eip_${i}`, { domain: 'vpc', tags: { Name: `${name}-nat-${az}` } });
        this.natGateways.push(new NatGateway(this, `nat_gateway_${i}`, {
          allocationId: eip.allocationId,
          subnetId: pub.id,
          connectivityType: 'public',
          tags: { Name: `${name}-${az}` },
          dependsOn: [igw],
        }));
      }
      const rt = new RouteTable(this, `private_route_table_${i}`, { vpcId: this.vpc.id, tags: { Name: `${name}-private-${az}` } });
      new Route(this, `private_default_route_${i}`, {
        routeTableId: rt.id,
        destinationCidrBlock: '0.0.0.0/0',
        natGatewayId: this.natGateways[natPerAz ? i : 0].id,
      });
      new RouteTableAssociation(this, `private_route_table_association_${i}`, { subnetId: priv.id, routeTableId: rt.id });
      privateRts.push(rt);
    });

    new VpcEndpoint(this, 'endpoint_s3', {
      vpcId: this.vpc.id,
      serviceName: `com.amazonaws.${stack.region}.s3`,
      vpcEndpointType: 'Gateway',
      routeTableIds: [...privateRts.map((r) => r.id), dataRt.id],
      tags: { Name: `${name}-s3` },
    });
    this.endpointSecurityGroup = new SecurityGroup(this, 'endpoint_security_group', {
      name: `${name}-vpc-endpoints`,
      description: 'HTTPS from inside the VPC to AWS service interface endpoints',
      vpcId: this.vpc.id,
      tags: { Name: `${name}-vpc-endpoints` },
    });
    new VpcSecurityGroupIngressRule(this, 'endpoint_https_from_vpc', {
      securityGroupId: this.endpointSecurityGroup.id,
      description: 'HTTPS from the VPC',
      ipProtocol: 'tcp',
      fromPort: 443,
      toPort: 443,
      cidrIpv4: this.vpcCidr,
    });
    for (const service of props.interfaceEndpoints ?? DEFAULT_INTERFACE_ENDPOINTS) {
      if (!/^[a-z0-9-]+(\.[a-z0-9-]+)*$/.test(service) || service === 's3') {
        invalid(this, `interface endpoint ${show(service)} is not a service suffix this construct can create.`,
          'use suffixes such as "ecr.api" or "sts"; S3 always gets a gateway endpoint.');
      }
      new VpcEndpoint(this, `endpoint_${service.replace(/[^a-z0-9]/g, '_')}`, {
        vpcId: this.vpc.id,
        serviceName: `com.amazonaws.${stack.region}.${service}`,
        vpcEndpointType: 'Interface',
        privateDnsEnabled: true,
        subnetIds: this.privateSubnets.map((s) => s.id),
        securityGroupIds: [this.endpointSecurityGroup.id],
        tags: { Name: `${name}-${service}` },
      });
    }

    this.flowLogGroup = new EncryptedLogGroup(this, 'flow_logs', {
      name: `/aws/vpc/${name}/flow-logs`,
      retentionDays: props.flowLogRetentionDays,
      retentionDaysProp: 'flowLogRetentionDays',
    });
    const flowRole = new PlatformRole(this, 'flow_log_role', {
      nameParts: ['vpc', 'flow', 'logs'],
      description: 'Delivers VPC flow logs to CloudWatch Logs',
      trust: [{
        principals: { Service: 'vpc-flow-logs.amazonaws.com' },
        actions: ['sts:AssumeRole'],
        conditions: { StringEquals: { 'aws:SourceAccount': stack.accountId } },
      }],
    });
    flowRole.addToPolicy({
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
      resources: [`${this.flowLogGroup.arn}:*`],
    });
    this.flowLog = new FlowLog(this, 'flow_log', {
      vpcId: this.vpc.id,
      trafficType: 'ALL',
      logDestinationType: 'cloud-watch-logs',
      logDestination: this.flowLogGroup.arn,
      iamRoleArn: flowRole.roleArn,
      maxAggregationInterval: 60,
      tags: { Name: `${name}-flow-log` },
    });
  }

  public get vpcId(): string {
    return this.vpc.id;
  }

  public get privateSubnetIds(): string[] {
    return this.privateSubnets.map((s) => s.id);
  }

  public get publicSubnetIds(): string[] {
    return this.publicSubnets.map((s) => s.id);
  }

  public get dataSubnetIds(): string[] {
    return this.dataSubnets.map((s) => s.id);
  }

  private checkCidr(text: string): Cidr {
    const cidr = parseCidr(text);
    if (!cidr) {
      invalid(this, `cidr ${show(text)} is not a valid IPv4 CIDR block.`, 'use an aligned block such as "10.0.0.0/16".');
    }
    if (cidr.prefix < 16 || cidr.prefix > 20) {
      invalid(this, `cidr ${show(text)} has prefix /${cidr.prefix}; the VPC needs /16 to /20.`, 'use a /16 (recommended for EKS pod IPs) up to a /20.');
    }
    if (!isPrivateCidr(cidr)) {
      invalid(this, `cidr ${show(text)} is not in RFC 1918 private address space.`, 'use a block inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16.');
    }
    return cidr;
  }

  private resolveZones(stack: MlopsStack, props: NetworkProps): string[] {
    const count = props.availabilityZoneCount ?? props.availabilityZones?.length ?? stack.profile.availabilityZoneCount;
    if (!Number.isInteger(count) || count < 2 || count > 3) {
      invalid(this, `availabilityZoneCount ${show(count)} is outside 2-3; EKS needs subnets in at least two zones.`,
        'use 2 (dev) or 3 (staging, prod) availability zones.');
    }
    const zones = props.availabilityZones ?? ['a', 'b', 'c'].slice(0, count).map((s) => `${stack.region}${s}`);
    if (zones.length !== count) {
      invalid(this, `availabilityZones lists ${zones.length} zones but availabilityZoneCount is ${count}.`, 'make the two agree, or pass only one of them.');
    }
    for (const z of zones) {
      if (!new RegExp(`^${stack.region}[a-z]$`).test(z)) {
        invalid(this, `availability zone ${show(z)} is not a zone of region ${stack.region}.`, `use zones such as "${stack.region}a".`);
      }
    }
    if (new Set(zones).size !== zones.length) invalid(this, `availabilityZones ${show(zones)} repeats a zone.`, 'list each zone once.');
    return zones;
  }
}
