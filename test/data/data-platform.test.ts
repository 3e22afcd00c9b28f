import { DataPlatform } from '../../lib/data/data-platform';
import { App } from 'cdktf';
import { testStack } from '../support/fixtures';
import { allText, danglingReferences, resource, resources, synthesize, Synthesized } from '../support/synth';

const CLICK_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#', title: 'Click', type: 'object',
  properties: { user_id: { type: 'string' }, event_type: { type: 'string' }, ts: { type: 'integer', description: 'event time, epoch milliseconds' } },
  required: ['user_id', 'event_type', 'ts'],
};

/** The data domain in a prod stack named like the reference platform's, with the props of the reference example. */
describe('DataPlatform (prod, reference example props)', () => {
  let s: Synthesized;
  let t: any;
  beforeAll(() => {
    s = synthesize((app) => {
      const stack = testStack(app, { profile: 'prod', namePrefix: 'acme-mlops-prod' }, 'mlops-prod-platform');
      new DataPlatform(stack, 'data', {
        lake: { accountSettings: { manageLakeFormation: true, lakeFormationAdmins: ['arn:aws:iam::111122223333:role/acme-data-admins'], manageCatalogEncryption: true } },
        streams: [{ name: 'clickstream', retentionHours: 168, partitionKeys: { event_type: '.event_type' } }],
        schemas: [{ name: 'clickstream', dataFormat: 'JSON', compatibility: 'BACKWARD', definition: CLICK_SCHEMA }],
        batchSources: [{ name: 'crm', sourceUri: 's3://acme-crm-exports/daily/', schedule: 'cron(0 2 * * ? *)' }],
        rulesets: [{ name: 'clickstream', zone: 'raw', table: 'clickstream', rules: ['RowCount > 0', 'IsComplete "user_id"', 'ColumnValues "event_type" in ["view", "click", "purchase"]'] }],
        alarmTopicArn: 'arn:aws:sns:eu-west-1:111122223333:acme-mlops-prod-alerts',
      });
    });
    t = s.stacks['mlops-prod-platform'];
  });

  test('references resolve, and nothing holds a secret value', () => {
    expect(danglingReferences(s)).toEqual([]);
    const text = allText(s);
    expect(text).not.toMatch(/"(password|secret_string|master_password)"\s*:/);
    expect(text).not.toMatch(/AKIA[0-9A-Z]{16}|-----BEGIN/);
  });

  test('readable addresses and names', () => {
    expect(resource(t, 'aws_s3_bucket', 'data_lake_raw_bucket_bucket').bucket).toBe('acme-mlops-prod-lake-raw');
    expect(resource(t, 'aws_kinesis_stream', 'data_streams_clickstream_stream').name).toBe('acme-mlops-prod-clickstream');
    expect(resource(t, 'aws_kinesis_stream', 'data_streams_clickstream_stream').retention_period).toBe(168);
  });

  test('every bucket of the prod data platform is protected from destroy', () => {
    const buckets = Object.keys(resources(t, 'aws_s3_bucket')).filter((k) => k.startsWith('data_'));
    expect(buckets.sort()).toEqual(['data_batch_scripts_bucket', 'data_lake_access_logs_bucket', 'data_lake_curated_bucket_bucket', 'data_lake_features_bucket_bucket', 'data_lake_raw_bucket_bucket']);
    for (const b of buckets) expect(resources(t, 'aws_s3_bucket')[b].lifecycle).toEqual({ prevent_destroy: true });
  });

  test('no IAM statement uses a wildcard action, and only GetDataAccess uses a wildcard resource', () => {
    for (const [name, r] of Object.entries(resources(t, 'aws_iam_role_policy')) as Array<[string, any]>) {
      if (!name.startsWith('data_')) continue;
      for (const st of JSON.parse(r.policy).Statement) {
        const actions: string[] = [].concat(st.Action);
        for (const a of actions) expect(a).not.toMatch(/^(\*|[a-z0-9-]+:\*)$/);
        if (([] as string[]).concat(st.Resource).includes('*')) expect(actions).toEqual(['lakeformation:GetDataAccess']);
      }
    }
  });
});

describe('DataPlatform stream formats', () => {
  test('the clickstream schema is JSON Schema, so its partition keys can be extracted', () => {
    const s = synthesize((app) => {
      new DataPlatform(testStack(app), 'data', {
        streams: [{ name: 'clickstream', partitionKeys: { event_type: '.event_type' } }],
        schemas: [{ name: 'clickstream', dataFormat: 'JSON', definition: CLICK_SCHEMA }],
      });
    });
    const schema = resource(s.stacks.platform, 'aws_glue_schema', 'data_schemas_clickstream');
    expect(schema.data_format).toBe('JSON');
    expect(JSON.parse(schema.schema_definition).properties.event_type).toEqual({ type: 'string' });
    expect(danglingReferences(s)).toEqual([]);
  });

  test('a stream with partitionKeys whose schema is AVRO is an error naming both props', () => {
    const stack = testStack(new App({ outdir: '/tmp/cdktf-mlops-bad' }));
    expect(() => new DataPlatform(stack, 'data', {
      streams: [{ name: 'clickstream', partitionKeys: { event_type: '.event_type' } }],
      schemas: [{ name: 'clickstream', dataFormat: 'AVRO', definition: { type: 'record', name: 'Click', fields: [{ name: 'event_type', type: 'string' }] } }],
    })).toThrow(/^\[platform\/data\] stream "clickstream" has partitionKeys, but its schema "clickstream" in schemas has dataFormat "AVRO"; Firehose extracts partition keys with JQ from JSON records only\. Fix: register the stream's records as JSON \(schemas entry "clickstream": dataFormat "JSON" with a JSON Schema definition\), or drop partitionKeys from stream "clickstream"\.$/);
  });

  test('an AVRO schema is fine for a stream without partitionKeys', () => {
    const stack = testStack(new App({ outdir: '/tmp/cdktf-mlops-bad' }));
    expect(() => new DataPlatform(stack, 'data', {
      streams: [{ name: 'clickstream' }],
      schemas: [{ name: 'clickstream', dataFormat: 'AVRO', definition: { type: 'record', name: 'Click', fields: [{ name: 'event_type', type: 'string' }] } }],
    })).not.toThrow();
  });
});
