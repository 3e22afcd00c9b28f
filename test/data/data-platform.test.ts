import { DataPlatform } from '../../lib/data/data-platform';
import { testStack } from '../support/fixtures';
import { allText, danglingReferences, resource, resources, synthesize, Synthesized } from '../support/synth';

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
        schemas: [{
          name: 'clickstream', dataFormat: 'AVRO', compatibility: 'BACKWARD',
          definition: { type: 'record', name: 'Click', namespace: 'com.acme.events', fields: [{ name: 'user_id', type: 'string' }, { name: 'event_type', type: 'string' }, { name: 'ts', type: { type: 'long', logicalType: 'timestamp-millis' } }] },
        }],
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
