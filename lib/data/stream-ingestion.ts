import { Construct } from 'constructs';
import { KinesisStream } from '@cdktf/provider-aws/lib/kinesis-stream';
import { KinesisFirehoseDeliveryStream } from '@cdktf/provider-aws/lib/kinesis-firehose-delivery-stream';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { MskServerlessCluster } from '@cdktf/provider-aws/lib/msk-serverless-cluster';
import { MskClusterPolicy } from '@cdktf/provider-aws/lib/msk-cluster-policy';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import { CloudwatchLogStream } from '@cdktf/provider-aws/lib/cloudwatch-log-stream';
import { MlopsStack, snake } from '../core/mlops-stack';
import { invalid, show } from '../core/errors';
import { DomainKey } from '../security/domain-key';
import { KeyRing } from '../security/key-ring';
import { EncryptedLogGroup } from '../security/encrypted-log-group';
import { PlatformRole } from '../security/platform-role';
import { IGrantable } from '../security/principal';
import { INetwork } from '../network/network';
import { IDataZone } from './data-zone';
import { firehoseDeliveryRole, grantFirehoseDelivery } from './firehose-delivery';

/** What carries the streams. */
export type StreamEngine = 'kinesis' | 'msk-serverless';

/** Capacity mode of a Kinesis data stream. */
export type StreamMode = 'on-demand' | 'provisioned';

/** One stream and its delivery into the raw zone. */
export interface StreamProps {
  /** Stream name (after the platform prefix): lower-case letters, digits and hyphens, starting with a letter. */
  readonly name: string;
  /**
   * Capacity mode (Kinesis only).
   * @default "on-demand"
   */
  readonly mode?: StreamMode;
  /**
   * Shards of a provisioned stream (1 or more); not allowed for on-demand streams.
   * @default none (on-demand)
   */
  readonly shardCount?: number;
  /**
   * Hours records stay in the stream: at least the profile's streamRetentionHours, at most 8760.
   * @default the profile's streamRetentionHours
   */
  readonly retentionHours?: number;
  /**
   * Firehose buffer size in MiB (1-128; 64 or more when partitioning by record fields).
   * @default 64
   */
  readonly bufferSizeMiB?: number;
  /**
   * Firehose buffer interval in seconds (0-900).
   * @default 300
   */
  readonly bufferIntervalSeconds?: number;
  /**
   * Dynamic partition keys taken from each JSON record, as `key -> JQ expression` (e.g.
   * `{ tenant: '.tenant_id' }`); they precede the date partitions in the object key. Firehose
   * extracts them with JQ, so the stream's records must be JSON (not Avro).
   * @default none: partitions by delivery date only
   */
  readonly partitionKeys?: Record<string, string>;
  /**
   * Who outside the platform reads the delivered records (e.g. "the clickstream aggregation job of the
   * growth team"), declared to the system model as their consumer. Without it (and without a platform
   * construct granted read there), the system check reports the delivery as an output nobody reads.
   * @default none
   */
  readonly consumedBy?: string;
  /**
   * Compression of delivered objects.
   * @default "GZIP"
   */
  readonly compression?: 'UNCOMPRESSED' | 'GZIP' | 'Snappy' | 'ZIP' | 'HADOOP_SNAPPY';
}

/** Props of {@link StreamIngestion}. */
export interface StreamIngestionProps {
  /** The zone (normally the lake's raw zone) the streams are delivered into. */
  readonly destination: IDataZone;
  /** The streams. */
  readonly streams: StreamProps[];
  /**
   * Kinesis Data Streams (one stream per name, KMS-encrypted with the `streams` key) or one MSK
   * Serverless cluster (IAM auth, private, one topic per name; at rest MSK Serverless always uses
   * AWS-managed keys, and topics are created with Kafka admin tools, not by Terraform).
   * @default "kinesis"
   */
  readonly engine?: StreamEngine;
  /** The network the MSK Serverless cluster runs in (private subnets). Required for "msk-serverless". @default none */
  readonly network?: INetwork;
  /**
   * Key domain encrypting the streams.
   * @default "streams"
   */
  readonly keyDomain?: string;
  /**
   * Retention of the Firehose delivery log group, in days.
   * @default the profile's logRetentionDays
   */
  readonly logRetentionDays?: number;
}

/** A stream with its Firehose delivery. */
export interface IngestionStream {
  readonly name: string;
  /** The Kinesis stream (engine "kinesis"). */
  readonly stream?: KinesisStream;
  /** The Kafka topic name (engine "msk-serverless"). */
  readonly topicName?: string;
  readonly delivery: KinesisFirehoseDeliveryStream;
  readonly deliveryRole: PlatformRole;
  /** Object key prefix of delivered records in the destination bucket. */
  readonly prefix: string;
}

const STREAM_NAME = /^[a-z][a-z0-9-]*$/;
const PARTITION_KEY = /^[a-z][a-z0-9_]{0,63}$/;
const MSK_PRODUCE = ['kafka-cluster:DescribeTopic', 'kafka-cluster:WriteData'];
const MSK_CONSUME = ['kafka-cluster:DescribeTopic', 'kafka-cluster:ReadData'];
const MSK_CONNECT = ['kafka-cluster:Connect', 'kafka-cluster:DescribeCluster'];
const PRODUCE = ['kinesis:PutRecord', 'kinesis:PutRecords', 'kinesis:DescribeStreamSummary', 'kinesis:ListShards'];
const CONSUME = ['kinesis:GetRecords', 'kinesis:GetShardIterator', 'kinesis:DescribeStream', 'kinesis:DescribeStreamSummary', 'kinesis:ListShards', 'kinesis:SubscribeToShard', 'kinesis:DescribeStreamConsumer', 'kinesis:RegisterStreamConsumer'];

/**
 * Named Kinesis data streams (on-demand or provisioned), encrypted with the `streams` key, each
 * delivered by Firehose into the destination zone under `streams/<name>/` with date partitions
 * (and optional dynamic partitions from record fields), an error prefix, buffering hints, SSE-KMS
 * with the zone's key and CloudWatch logging to an encrypted log group.
 */
export class StreamIngestion extends Construct {
  /** The key encrypting the Kinesis streams (engine "kinesis"). */
  public readonly key?: DomainKey;
  public readonly logGroup: EncryptedLogGroup;
  public readonly engine: StreamEngine;
  /** The MSK Serverless cluster (engine "msk-serverless"). */
  public readonly mskCluster?: MskServerlessCluster;
  /** Security group of the MSK Serverless cluster: Kafka IAM port 9098 from the VPC only. */
  public readonly mskSecurityGroup?: SecurityGroup;
  private readonly streams = new Map<string, IngestionStream>();

  constructor(scope: Construct, id: string, props: StreamIngestionProps) {
    super(scope, id);
    const stack = MlopsStack.of(this);
    if (props.streams.length === 0) invalid(this, 'streams is empty.', 'declare at least one stream, or do not create a StreamIngestion.');
    const seen = new Set<string>();
    for (const s of props.streams) {
      if (!STREAM_NAME.test(s.name)) invalid(this, `stream name ${show(s.name)} is not allowed.`, 'use lower-case letters, digits and hyphens, starting with a letter.');
      if (seen.has(s.name)) invalid(this, `stream ${show(s.name)} is declared twice.`, 'declare each stream once.');
      seen.add(s.name);
    }
    this.engine = props.engine ?? 'kinesis';
    if (this.engine !== 'kinesis' && this.engine !== 'msk-serverless') invalid(this, `engine ${show(this.engine)} is not known.`, 'use "kinesis" or "msk-serverless".');
    if (this.engine === 'kinesis') this.key = KeyRing.of(this).key(props.keyDomain ?? 'streams');
    if (this.engine === 'msk-serverless') {
      if (!props.network) invalid(this, 'engine "msk-serverless" needs a network for the cluster.', 'pass network (the platform Network).');
      this.mskSecurityGroup = new SecurityGroup(this, 'msk_security_group', {
        name: stack.naming.name(this, 'security-group', 'msk', 'streams'),
        description: 'MSK Serverless: Kafka IAM auth (9098) from the VPC only',
        vpcId: props.network.vpcId,
        ingress: [{ description: 'Kafka clients in the VPC (IAM auth)', protocol: 'tcp', fromPort: 9098, toPort: 9098, cidrBlocks: [props.network.vpcCidr] }],
        egress: [{ description: 'Responses within the VPC', protocol: '-1', fromPort: 0, toPort: 0, cidrBlocks: [props.network.vpcCidr] }],
      });
      this.mskCluster = new MskServerlessCluster(this, 'msk_cluster', {
        clusterName: stack.naming.name(this, 'msk-cluster', 'streams'),
        vpcConfig: [{ subnetIds: props.network.privateSubnetIds, securityGroupIds: [this.mskSecurityGroup.id] }],
        clientAuthentication: { sasl: { iam: { enabled: true } } },
      });
      new MskClusterPolicy(this, 'msk_firehose_policy', {
        clusterArn: this.mskCluster.arn,
        policy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{
            Sid: 'FirehosePrivateConnectivity',
            Effect: 'Allow',
            Principal: { Service: 'firehose.amazonaws.com' },
            Action: ['kafka:CreateVpcConnection', 'kafka:GetBootstrapBrokers', 'kafka:DescribeClusterV2'],
            Resource: this.mskCluster.arn,
          }],
        }),
      });
    }
    const firehoseName = (n: string) => stack.naming.name(this, 'firehose-stream', 'ingest', n);
    this.logGroup = new EncryptedLogGroup(this, 'delivery_logs', {
      name: `/aws/kinesisfirehose/${stack.naming.prefix}-ingest`,
      retentionDays: props.logRetentionDays,
      retentionDaysProp: 'logRetentionDays',
    });
    for (const s of props.streams) this.streams.set(s.name, this.createStream(stack, s, props.destination, firehoseName(s.name)));
  }

  /** Names of the streams. */
  public get streamNames(): string[] {
    return [...this.streams.keys()];
  }

  /** The stream named `name`. */
  public stream(name: string): IngestionStream {
    const s = this.streams.get(name);
    if (!s) invalid(this, `stream ${show(name)} is not a stream of this ingestion.`, `use one of ${this.streamNames.join(', ')}.`);
    return s;
  }

  /** Put records into `stream` (Kinesis: encrypting with the streams key through Kinesis; MSK: write to its topic). */
  public grantProduce(identity: IGrantable, stream: string): void {
    const s = this.stream(stream);
    if (this.mskCluster) {
      identity.addToPolicy({ actions: MSK_CONNECT, resources: [this.mskCluster.arn] }, { actions: MSK_PRODUCE, resources: [this.topicArn(s.name)] });
      return;
    }
    identity.addToPolicy({ actions: PRODUCE, resources: [s.stream!.arn] });
    identity.addToPolicy({ actions: ['kms:GenerateDataKey'], resources: [this.key!.keyArn], conditions: { StringEquals: { 'kms:ViaService': `kinesis.${MlopsStack.of(this).region}.amazonaws.com` } } });
  }

  /** Read records of `stream` (Kinesis: shared or enhanced fan-out, decrypting through Kinesis; MSK: read its topic in any consumer group). */
  public grantConsume(identity: IGrantable, stream: string): void {
    const s = this.stream(stream);
    if (this.mskCluster) {
      this.allowMskConsume(identity, s.name);
      return;
    }
    this.allowConsume(identity, s.stream!.arn);
  }

  /** ARN of a topic of the MSK cluster (the cluster UUID is matched, as it is known only after apply). */
  protected topicArn(topic: string): string {
    return MlopsStack.of(this).arn('kafka', `topic/${this.mskCluster!.clusterName}/*/${topic}`);
  }

  private allowMskConsume(identity: IGrantable, topic: string): void {
    const stack = MlopsStack.of(this);
    identity.addToPolicy(
      { actions: MSK_CONNECT, resources: [this.mskCluster!.arn] },
      { actions: MSK_CONSUME, resources: [this.topicArn(topic)] },
      { actions: ['kafka-cluster:AlterGroup', 'kafka-cluster:DescribeGroup'], resources: [stack.arn('kafka', `group/${this.mskCluster!.clusterName}/*`)] },
    );
  }

  /** Creates one stream and its delivery; a subclass may override it to change either. */
  protected createStream(stack: MlopsStack, s: StreamProps, destination: IDataZone, deliveryName: string): IngestionStream {
    const id = snake(s.name);
    if (this.mskCluster && (s.mode !== undefined || s.shardCount !== undefined || s.retentionHours !== undefined)) {
      invalid(this, `stream ${show(s.name)} sets mode, shardCount or retentionHours, which apply to Kinesis only.`, 'drop them: MSK Serverless scales by itself, and topic retention is a topic setting.');
    }
    const mode = s.mode ?? 'on-demand';
    if (mode !== 'on-demand' && mode !== 'provisioned') invalid(this, `stream ${show(s.name)} has mode ${show(mode)}.`, 'use "on-demand" or "provisioned".');
    if (mode === 'provisioned' && (s.shardCount === undefined || !Number.isInteger(s.shardCount) || s.shardCount < 1)) {
      invalid(this, `provisioned stream ${show(s.name)} has shardCount ${show(s.shardCount)}.`, 'give a provisioned stream a whole number of shards, 1 or more.');
    }
    if (mode === 'on-demand' && s.shardCount !== undefined) {
      invalid(this, `on-demand stream ${show(s.name)} has a shardCount.`, 'drop shardCount, or use mode "provisioned".');
    }
    const retention = s.retentionHours ?? stack.profile.streamRetentionHours;
    if (!Number.isInteger(retention) || retention < stack.profile.streamRetentionHours) {
      invalid(this, `stream ${show(s.name)} keeps records ${retention} hours, below the ${stack.profile.name} profile's minimum of ${stack.profile.streamRetentionHours}.`,
        `set retentionHours to at least ${stack.profile.streamRetentionHours}.`);
    }
    if (retention > 8760) invalid(this, `stream ${show(s.name)} keeps records ${retention} hours, over the Kinesis maximum of 8760.`, 'set retentionHours to 8760 or less.');
    const keys = Object.entries(s.partitionKeys ?? {});
    for (const [k, q] of keys) {
      if (!PARTITION_KEY.test(k)) invalid(this, `partition key ${show(k)} of stream ${show(s.name)} is not allowed.`, 'use lower-case letters, digits and underscores, starting with a letter.');
      if (!q.startsWith('.')) invalid(this, `partition key ${show(k)} of stream ${show(s.name)} has JQ query ${show(q)}, which does not select a field.`, 'use a JQ path such as ".tenant_id".');
    }
    const size = s.bufferSizeMiB ?? 64;
    const minSize = keys.length > 0 ? 64 : 1;
    if (!Number.isInteger(size) || size < minSize || size > 128) {
      invalid(this, `stream ${show(s.name)} has bufferSizeMiB ${show(size)}, outside ${minSize}-128.`, `use ${minSize}-128 MiB${keys.length > 0 ? ' (dynamic partitioning needs at least 64)' : ''}.`);
    }
    const interval = s.bufferIntervalSeconds ?? 300;
    if (!Number.isInteger(interval) || interval < 0 || interval > 900) {
      invalid(this, `stream ${show(s.name)} has bufferIntervalSeconds ${show(interval)}, outside 0-900.`, 'use 0-900 seconds.');
    }

    const stream = this.mskCluster ? undefined : new KinesisStream(this, `${id}_stream`, {
      name: stack.naming.name(this, 'kinesis-stream', s.name),
      streamModeDetails: { streamMode: mode === 'on-demand' ? 'ON_DEMAND' : 'PROVISIONED' },
      shardCount: mode === 'provisioned' ? s.shardCount : undefined,
      retentionPeriod: retention,
      encryptionType: 'KMS',
      kmsKeyId: this.key!.keyArn,
      enforceConsumerDeletion: false,
    });
    const role = firehoseDeliveryRole(this, `${id}_delivery_role`, ['firehose', s.name], `Firehose delivery of stream ${s.name} into the ${destination.zoneName} zone`);
    if (stream) this.allowConsume(role, stream.arn);
    else {
      this.allowMskConsume(role, s.name);
      role.addToPolicy({ actions: ['kafka:GetBootstrapBrokers', 'kafka:DescribeCluster', 'kafka:DescribeClusterV2', 'kafka-cluster:DescribeTopicDynamicConfiguration'], resources: [this.mskCluster!.arn, this.topicArn(s.name)] });
    }
    const base = `${destination.prefix}streams/${s.name}/`;
    const prefix = `${base}${keys.map(([k]) => `${k}=!{partitionKeyFromQuery:${k}}/`).join('')}year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/hour=!{timestamp:HH}/`;
    const errorPrefix = `${destination.prefix}errors/streams/${s.name}/!{firehose:error-output-type}/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/`;
    grantFirehoseDelivery(role, destination, base, `${destination.prefix}errors/streams/${s.name}/`);
    if (s.consumedBy) destination.bucket.declareExternal('read', base, s.consumedBy);
    const logStream = new CloudwatchLogStream(this, `${id}_log_stream`, { name: `${s.name}-delivery`, logGroupName: this.logGroup.name });
    role.addToPolicy({ actions: ['logs:PutLogEvents'], resources: [`${this.logGroup.arn}:log-stream:${s.name}-delivery`] });
    const delivery = new KinesisFirehoseDeliveryStream(this, `${id}_delivery`, {
      name: deliveryName,
      destination: 'extended_s3',
      kinesisSourceConfiguration: stream ? { kinesisStreamArn: stream.arn, roleArn: role.roleArn } : undefined,
      mskSourceConfiguration: stream ? undefined : {
        mskClusterArn: this.mskCluster!.arn,
        topicName: s.name,
        authenticationConfiguration: { connectivity: 'PRIVATE', roleArn: role.roleArn },
      },
      extendedS3Configuration: {
        roleArn: role.roleArn,
        bucketArn: destination.bucketArn,
        prefix,
        errorOutputPrefix: errorPrefix,
        bufferingSize: size,
        bufferingInterval: interval,
        compressionFormat: s.compression ?? 'GZIP',
        kmsKeyArn: destination.key.keyArn,
        cloudwatchLoggingOptions: { enabled: true, logGroupName: this.logGroup.name, logStreamName: logStream.name },
        dynamicPartitioningConfiguration: keys.length > 0 ? { enabled: true } : undefined,
        processingConfiguration: keys.length > 0 ? {
          enabled: true,
          processors: [
            {
              type: 'MetadataExtraction',
              parameters: [
                { parameterName: 'JsonParsingEngine', parameterValue: 'JQ-1.6' },
                { parameterName: 'MetadataExtractionQuery', parameterValue: `{${keys.map(([k, q]) => `${k}:${q}`).join(',')}}` },
              ],
            },
            { type: 'AppendDelimiterToRecord', parameters: [{ parameterName: 'Delimiter', parameterValue: '\\n' }] },
          ],
        } : undefined,
      },
      dependsOn: [role.node.findChild('policy') as IamRolePolicy],
    });
    return { name: s.name, stream, topicName: stream ? undefined : s.name, delivery, deliveryRole: role, prefix: base };
  }

  private allowConsume(identity: IGrantable, streamArn: string): void {
    identity.addToPolicy({ actions: CONSUME, resources: [streamArn, `${streamArn}/consumer/*`] });
    this.key!.grantDecrypt(identity, 'kinesis');
  }
}
