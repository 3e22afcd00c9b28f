import { App } from 'cdktf';
import { DataLake } from '../../lib/data/data-lake';
import { StreamIngestion } from '../../lib/data/stream-ingestion';
import { WorkloadIdentity } from '../../lib/security/workload-identity';
import { arr, allText, danglingReferences, policy, resource, resources, synthesize, Synthesized } from '../support/synth';
import { testStack } from '../support/fixtures';

const cluster = { clusterName: 'acme-dev' };

describe('StreamIngestion', () => {
  let s: Synthesized;
  let t: any;
  beforeAll(() => {
    s = synthesize((app) => {
      const stack = testStack(app);
      const lake = new DataLake(stack, 'lake');
      const ingest = new StreamIngestion(stack, 'streams', {
        destination: lake.zone('raw'),
        streams: [
          { name: 'clicks' },
          { name: 'orders', mode: 'provisioned', shardCount: 2, retentionHours: 48, partitionKeys: { tenant: '.tenant_id' }, bufferSizeMiB: 128, bufferIntervalSeconds: 60 },
        ],
      });
      const producer = new WorkloadIdentity(stack, 'producer', { cluster, namespace: 'team-a', serviceAccountName: 'producer' });
      const consumer = new WorkloadIdentity(stack, 'consumer', { cluster, namespace: 'team-a', serviceAccountName: 'consumer' });
      ingest.grantProduce(producer, 'clicks');
      ingest.grantConsume(consumer, 'orders');
    });
    t = s.stacks.platform;
  });

  test('references resolve, no secret', () => {
    expect(danglingReferences(s)).toEqual([]);
    expect(allText(s)).not.toMatch(/secret_string|AKIA[0-9A-Z]{16}/);
  });

  test('streams are KMS-encrypted with the streams key; on-demand or provisioned with shards; retention from the profile', () => {
    expect(resource(t, 'aws_kinesis_stream', 'streams_clicks_stream')).toMatchObject({
      name: 'acme-dev-clicks', stream_mode_details: { stream_mode: 'ON_DEMAND' }, retention_period: 24, encryption_type: 'KMS', kms_key_id: '${aws_kms_key.keys_streams_key.arn}',
    });
    expect(resource(t, 'aws_kinesis_stream', 'streams_clicks_stream').shard_count).toBeUndefined();
    expect(resource(t, 'aws_kinesis_stream', 'streams_orders_stream')).toMatchObject({ stream_mode_details: { stream_mode: 'PROVISIONED' }, shard_count: 2, retention_period: 48 });
  });

  test('Firehose delivers into the raw zone with date partitions, an error prefix, buffering hints, SSE-KMS and CloudWatch logging', () => {
    const d = resource(t, 'aws_kinesis_firehose_delivery_stream', 'streams_clicks_delivery');
    expect(d).toMatchObject({ name: 'acme-dev-ingest-clicks', destination: 'extended_s3' });
    expect(d.kinesis_source_configuration).toEqual({ kinesis_stream_arn: '${aws_kinesis_stream.streams_clicks_stream.arn}', role_arn: '${aws_iam_role.streams_clicks_delivery_role_role.arn}' });
    const c = d.extended_s3_configuration;
    expect(c.bucket_arn).toBe('${aws_s3_bucket.lake_raw_bucket_bucket.arn}');
    expect(c.prefix).toBe('streams/clicks/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/hour=!{timestamp:HH}/');
    expect(c.error_output_prefix).toBe('errors/streams/clicks/!{firehose:error-output-type}/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/');
    expect(c).toMatchObject({ buffering_size: 64, buffering_interval: 300, compression_format: 'GZIP', kms_key_arn: '${aws_kms_key.keys_lake_key.arn}' });
    expect(c.cloudwatch_logging_options).toEqual({ enabled: true, log_group_name: '${aws_cloudwatch_log_group.streams_delivery_logs_log_group.name}', log_stream_name: '${aws_cloudwatch_log_stream.streams_clicks_log_stream.name}' });
    expect(resource(t, 'aws_cloudwatch_log_group', 'streams_delivery_logs_log_group')).toMatchObject({ kms_key_id: '${aws_kms_key.keys_logs_key.arn}', retention_in_days: 30 });
  });

  test('partition keys turn on dynamic partitioning with a JQ metadata extraction', () => {
    const c = resource(t, 'aws_kinesis_firehose_delivery_stream', 'streams_orders_delivery').extended_s3_configuration;
    expect(c.dynamic_partitioning_configuration).toEqual({ enabled: true });
    expect(c.prefix).toBe('streams/orders/tenant=!{partitionKeyFromQuery:tenant}/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/hour=!{timestamp:HH}/');
    expect(c.processing_configuration.processors[0].parameters).toContainEqual({ parameter_name: 'MetadataExtractionQuery', parameter_value: '{tenant:.tenant_id}' });
    expect(c).toMatchObject({ buffering_size: 128, buffering_interval: 60 });
  });

  test('the delivery role reads its stream and writes its own prefixes only', () => {
    const st = policy(resource(t, 'aws_iam_role_policy', 'streams_clicks_delivery_role_policy').policy).Statement;
    const put = st.find((x: any) => arr(x.Action).includes('s3:PutObject'));
    expect(put.Resource).toBe('${aws_s3_bucket.lake_raw_bucket_bucket.arn}/streams/clicks/*');
    expect(JSON.stringify(st)).not.toContain('orders');
    expect(st.flatMap((x: any) => arr(x.Action))).not.toContain('s3:DeleteObject');
    for (const x of st) expect(arr(x.Resource)).not.toContain('*');
  });

  test('producer grant: put records on one stream, nothing to read; consumer grant: read one stream, nothing to put', () => {
    const p = policy(resource(t, 'aws_iam_role_policy', 'producer_role_policy').policy).Statement;
    const pa = p.flatMap((x: any) => arr(x.Action));
    expect(pa).toEqual(expect.arrayContaining(['kinesis:PutRecord', 'kinesis:PutRecords']));
    expect(pa).not.toContain('kinesis:GetRecords');
    expect(p[0].Resource).toBe('${aws_kinesis_stream.streams_clicks_stream.arn}');
    const c = policy(resource(t, 'aws_iam_role_policy', 'consumer_role_policy').policy).Statement;
    const ca = c.flatMap((x: any) => arr(x.Action));
    expect(ca).toContain('kinesis:GetRecords');
    expect(ca).not.toContain('kinesis:PutRecord');
    expect(JSON.stringify(c)).not.toContain('clicks');
    expect(Object.keys(resources(t, 'aws_kinesis_stream')).sort()).toEqual(['streams_clicks_stream', 'streams_orders_stream']);
  });
});

describe('StreamIngestion invalid input', () => {
  const setup = (profile: 'dev' | 'prod' = 'dev', namePrefix = 'acme-dev') => {
    const stack = testStack(new App({ outdir: '/tmp/cdktf-mlops-bad' }), { profile, namePrefix });
    return { stack, raw: new DataLake(stack, 'lake').zone('raw') };
  };

  test('a stream name over the Firehose limit of 64 characters', () => {
    const { stack, raw } = setup();
    expect(() => new StreamIngestion(stack, 'streams', { destination: raw, streams: [{ name: 'x'.repeat(60) }] }))
      .toThrow(/^\[platform\/streams\] Firehose delivery stream name "acme-dev-ingest-x{60}" is 76 characters, over the limit of 64\./);
  });

  test('a retention below the profile minimum', () => {
    const { stack, raw } = setup('prod', 'acme-prod');
    expect(() => new StreamIngestion(stack, 'streams', { destination: raw, streams: [{ name: 'clicks', retentionHours: 24 }] }))
      .toThrow(/^\[platform\/streams\] stream "clicks" keeps records 24 hours, below the prod profile's minimum of 168\. Fix: set retentionHours to at least 168\.$/);
  });

  test('a stream declared twice, shard count mistakes, buffers out of range', () => {
    const { stack, raw } = setup();
    expect(() => new StreamIngestion(stack, 'a', { destination: raw, streams: [{ name: 'c' }, { name: 'c' }] })).toThrow(/^\[platform\/a\] stream "c" is declared twice\./);
    expect(() => new StreamIngestion(stack, 'b', { destination: raw, streams: [{ name: 'c', mode: 'provisioned' }] })).toThrow(/^\[platform\/b\] provisioned stream "c" has shardCount undefined\./);
    expect(() => new StreamIngestion(stack, 'd', { destination: raw, streams: [{ name: 'c', shardCount: 2 }] })).toThrow(/^\[platform\/d\] on-demand stream "c" has a shardCount\./);
    expect(() => new StreamIngestion(stack, 'e', { destination: raw, streams: [{ name: 'c', partitionKeys: { t: '.t' }, bufferSizeMiB: 5 }] })).toThrow(/bufferSizeMiB 5, outside 64-128/);
    expect(() => new StreamIngestion(stack, 'f', { destination: raw, streams: [{ name: 'c', bufferIntervalSeconds: 1000 }] })).toThrow(/bufferIntervalSeconds 1000, outside 0-900/);
    expect(() => new StreamIngestion(stack, 'g', { destination: raw, streams: [{ name: 'c', retentionHours: 9000 }] })).toThrow(/over the Kinesis maximum of 8760/);
  });
});

describe('StreamIngestion on MSK Serverless', () => {
  const network = { vpcId: 'vpc-0abc', vpcCidr: '10.0.0.0/16', availabilityZones: ['eu-west-1a', 'eu-west-1b'], privateSubnetIds: ['subnet-a', 'subnet-b'], publicSubnetIds: [], dataSubnetIds: [] };
  let s: Synthesized;
  let t: any;
  beforeAll(() => {
    s = synthesize((app) => {
      const stack = testStack(app);
      const lake = new DataLake(stack, 'lake');
      const ingest = new StreamIngestion(stack, 'streams', { destination: lake.zone('raw'), engine: 'msk-serverless', network, streams: [{ name: 'clicks' }] });
      ingest.grantProduce(new WorkloadIdentity(stack, 'producer', { cluster, namespace: 'team-a', serviceAccountName: 'producer' }), 'clicks');
    });
    t = s.stacks.platform;
  });

  test('a private, IAM-authenticated cluster reachable from the VPC only', () => {
    expect(resource(t, 'aws_msk_serverless_cluster', 'streams_msk_cluster')).toMatchObject({
      cluster_name: 'acme-dev-streams', client_authentication: { sasl: { iam: { enabled: true } } },
      vpc_config: [{ subnet_ids: ['subnet-a', 'subnet-b'], security_group_ids: ['${aws_security_group.streams_msk_security_group.id}'] }],
    });
    const sg = resource(t, 'aws_security_group', 'streams_msk_security_group');
    expect(sg.ingress).toEqual([expect.objectContaining({ from_port: 9098, to_port: 9098, cidr_blocks: ['10.0.0.0/16'] })]);
    expect(resources(t, 'aws_kinesis_stream')).toEqual({});
    expect(Object.keys(resources(t, 'aws_kms_key'))).not.toContain('keys_streams_key');
    expect(danglingReferences(s)).toEqual([]);
  });

  test('Firehose reads the topic through private connectivity, allowed by the cluster policy', () => {
    const d = resource(t, 'aws_kinesis_firehose_delivery_stream', 'streams_clicks_delivery');
    expect(d.msk_source_configuration).toEqual({
      msk_cluster_arn: '${aws_msk_serverless_cluster.streams_msk_cluster.arn}', topic_name: 'clicks',
      authentication_configuration: { connectivity: 'PRIVATE', role_arn: '${aws_iam_role.streams_clicks_delivery_role_role.arn}' },
    });
    expect(d.kinesis_source_configuration).toBeUndefined();
    const p = policy(resource(t, 'aws_msk_cluster_policy', 'streams_msk_firehose_policy').policy);
    expect(p.Statement[0]).toMatchObject({ Principal: { Service: 'firehose.amazonaws.com' }, Action: ['kafka:CreateVpcConnection', 'kafka:GetBootstrapBrokers', 'kafka:DescribeClusterV2'] });
  });

  test('a producer may write its topic only, not read it', () => {
    const st = policy(resource(t, 'aws_iam_role_policy', 'producer_role_policy').policy).Statement;
    const actions = st.flatMap((x: any) => arr(x.Action));
    expect(actions).toContain('kafka-cluster:WriteData');
    expect(actions).not.toContain('kafka-cluster:ReadData');
    expect(st[1].Resource).toBe('arn:${data.aws_partition.partition.partition}:kafka:eu-west-1:${data.aws_caller_identity.caller_identity.account_id}:topic/${aws_msk_serverless_cluster.streams_msk_cluster.cluster_name}/*/clicks');
  });

  test('MSK needs a network, and Kinesis-only settings are refused', () => {
    const stack = testStack(new App({ outdir: '/tmp/cdktf-mlops-bad' }));
    const raw = new DataLake(stack, 'lake').zone('raw');
    expect(() => new StreamIngestion(stack, 'a', { destination: raw, engine: 'msk-serverless', streams: [{ name: 'c' }] })).toThrow(/^\[platform\/a\] engine "msk-serverless" needs a network for the cluster\./);
    expect(() => new StreamIngestion(stack, 'b', { destination: raw, engine: 'msk-serverless', network, streams: [{ name: 'c', shardCount: 2 }] })).toThrow(/^\[platform\/b\] stream "c" sets mode, shardCount or retentionHours, which apply to Kinesis only\./);
  });
});
