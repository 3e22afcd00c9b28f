import * as fs from 'fs';
import * as path from 'path';
import { App } from 'cdktf';
import { DataLake } from '../../lib/data/data-lake';
import { BatchIngestion } from '../../lib/data/batch-ingestion';
import { arr, danglingReferences, policy, resource, resources, synthesize, Synthesized } from '../support/synth';
import { testStack } from '../support/fixtures';


describe('BatchIngestion', () => {
  let s: Synthesized;
  let t: any;
  beforeAll(() => {
    s = synthesize((app) => {
      const stack = testStack(app);
      const lake = new DataLake(stack, 'lake');
      new BatchIngestion(stack, 'batch', { lake, sources: [{ name: 'crm-export', sourceUri: 's3://partner-drop/crm/', schedule: 'cron(0 3 * * ? *)' }] });
    });
    t = s.stacks.platform;
  });

  test('the shipped script is uploaded, encrypted, and is the job script location', () => {
    const obj = resource(t, 'aws_s3_object', 'batch_script');
    expect(obj).toMatchObject({ key: 'glue/s3_copy_ingest.py', server_side_encryption: 'aws:kms', kms_key_id: '${aws_kms_key.keys_lake_key.arn}' });
    expect(fs.readFileSync(path.join(s.outdir, 'stacks', 'platform', obj.source), 'utf8')).toContain('def main(argv)');
    const job = resource(t, 'aws_glue_job', 'batch_crm_export_job');
    expect(job.command).toMatchObject({ name: 'pythonshell', script_location: 's3://${aws_s3_bucket.batch_scripts_bucket.bucket}/${aws_s3_object.batch_script.key}' });
    expect(job.security_configuration).toBe('${aws_glue_security_configuration.batch_security_configuration.name}');
    expect(job.default_arguments).toMatchObject({ '--source_uri': 's3://partner-drop/crm/', '--target_prefix': 'batch/crm-export/' });
    // Glue reads job options only with their dashes (an undashed "library-set" is ignored).
    expect(Object.keys(job.default_arguments).every((k) => k.startsWith('--'))).toBe(true);
    expect(danglingReferences(s)).toEqual([]);
  });

  test('the security configuration encrypts S3 output, logs and bookmarks with KMS', () => {
    expect(resource(t, 'aws_glue_security_configuration', 'batch_security_configuration').encryption_configuration).toEqual({
      s3_encryption: { s3_encryption_mode: 'SSE-KMS', kms_key_arn: '${aws_kms_key.keys_lake_key.arn}' },
      cloudwatch_encryption: { cloudwatch_encryption_mode: 'SSE-KMS', kms_key_arn: '${aws_kms_key.keys_logs_key.arn}' },
      job_bookmarks_encryption: { job_bookmarks_encryption_mode: 'CSE-KMS', kms_key_arn: '${aws_kms_key.keys_lake_key.arn}' },
    });
  });

  test('scheduled trigger, then a crawler into the raw database after success', () => {
    expect(resource(t, 'aws_glue_trigger', 'batch_crm_export_schedule')).toMatchObject({ type: 'SCHEDULED', schedule: 'cron(0 3 * * ? *)', actions: [{ job_name: '${aws_glue_job.batch_crm_export_job.name}' }] });
    expect(resource(t, 'aws_glue_trigger', 'batch_crm_export_crawl')).toMatchObject({ type: 'CONDITIONAL', predicate: { conditions: [{ job_name: '${aws_glue_job.batch_crm_export_job.name}', state: 'SUCCEEDED' }] } });
    expect(resource(t, 'aws_glue_crawler', 'batch_crm_export_crawler')).toMatchObject({
      database_name: '${aws_glue_catalog_database.lake_raw_database.name}', s3_target: [{ path: 's3://${aws_s3_bucket.lake_raw_bucket_bucket.bucket}/batch/crm-export/' }],
      security_configuration: '${aws_glue_security_configuration.batch_security_configuration.name}',
    });
  });

  test('the job role reads its source prefix and writes its landing prefix only', () => {
    const st = policy(resource(t, 'aws_iam_role_policy', 'batch_job_role_policy').policy).Statement;
    expect(st.find((x: any) => arr(x.Action).includes('s3:GetObject') && String(x.Resource).includes('partner-drop')).Resource).toBe('arn:${data.aws_partition.partition.partition}:s3:::partner-drop/crm/*');
    expect(st.find((x: any) => arr(x.Action).includes('s3:PutObject')).Resource).toBe('${aws_s3_bucket.lake_raw_bucket_bucket.arn}/batch/crm-export/*');
    expect(JSON.stringify(st)).not.toContain('lake_curated');
    for (const x of st) expect(arr(x.Resource)).not.toContain('*');
  });

  test('the crawler role reads the landed prefix and catalogs it, but cannot write or delete objects in the zone', () => {
    const st = policy(resource(t, 'aws_iam_role_policy', 'batch_crawler_role_policy').policy).Statement;
    const actions = st.flatMap((x: any) => arr(x.Action));
    expect(actions.filter((a: string) => /^s3:(Put|Delete|Abort|Restore)/.test(a))).toEqual([]);
    expect(st.find((x: any) => arr(x.Action).includes('s3:GetObject')).Resource).toBe('${aws_s3_bucket.lake_raw_bucket_bucket.arn}/batch/crm-export/*');
    expect(actions).toContain('glue:CreateTable');
    const perms = resources(t, 'aws_lakeformation_permissions');
    const mine = Object.keys(perms).filter((k) => k.endsWith('_batch_crawler_role')).sort();
    expect(mine).toEqual(['lake_catalog_raw_database_batch_crawler_role', 'lake_catalog_raw_location_batch_crawler_role', 'lake_catalog_raw_tables_batch_crawler_role']);
    expect(perms.lake_catalog_raw_tables_batch_crawler_role.permissions).toEqual(['ALTER', 'DESCRIBE']);
    expect(perms.lake_catalog_raw_database_batch_crawler_role.permissions).toEqual(['CREATE_TABLE', 'DESCRIBE']);
  });
});

describe('BatchIngestion invalid input', () => {
  test('bad source URI, schedule, duplicate source', () => {
    const stack = testStack(new App({ outdir: '/tmp/cdktf-mlops-bad' }));
    const lake = new DataLake(stack, 'lake');
    expect(() => new BatchIngestion(stack, 'a', { lake, sources: [{ name: 'x', sourceUri: 'https://example.com/x' }] })).toThrow(/^\[platform\/a\] source "x" has sourceUri "https:\/\/example.com\/x", which is not an s3:\/\/bucket\/prefix URI\./);
    expect(() => new BatchIngestion(stack, 'b', { lake, sources: [{ name: 'x', sourceUri: 's3://bkt/p/', schedule: 'daily' }] })).toThrow(/^\[platform\/b\] source "x" has schedule "daily"\./);
    expect(() => new BatchIngestion(stack, 'b2', { lake, sources: [{ name: 'x', sourceUri: 's3://bkt/p/', schedule: 'cron(0 25 * * ? *)' }] }))
      .toThrow(/^\[platform\/b2\] source "x" schedule "cron\(0 25 \* \* \? \*\)" /);
    expect(() => new BatchIngestion(stack, 'c', { lake, sources: [{ name: 'x', sourceUri: 's3://bkt/p/' }, { name: 'x', sourceUri: 's3://bkt/q/' }] })).toThrow(/^\[platform\/c\] source "x" is declared twice\./);
  });
});
