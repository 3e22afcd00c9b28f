import { App } from 'cdktf';
import { DataLake } from '../../lib/data/data-lake';
import { WorkloadIdentity } from '../../lib/security/workload-identity';
import { arr, allText, danglingReferences, policy, resource, resources, synthesize, Synthesized } from '../support/synth';
import { testStack } from '../support/fixtures';
import { readModel } from '../../lib/governance/policy/model';
import { review } from '../../lib/governance/review/review';
import { toMarkdown } from '../../lib/governance/review/formats';

const cluster = { clusterName: 'acme-dev' };
const P = 'platform';
const stmts = (s: Synthesized, role: string) => policy(resource(s.stacks[P], 'aws_iam_role_policy', `${role}_role_policy`).policy).Statement;

describe('DataLake (dev, default zones)', () => {
  let s: Synthesized;
  let t: any;
  beforeAll(() => {
    s = synthesize((app) => {
      const stack = testStack(app);
      const lake = new DataLake(stack, 'lake');
      const reader = new WorkloadIdentity(stack, 'reader', { cluster, namespace: 'team-a', serviceAccountName: 'reader' });
      const writer = new WorkloadIdentity(stack, 'writer', { cluster, namespace: 'team-a', serviceAccountName: 'writer' });
      lake.grantRead(reader, 'curated');
      lake.grantRead(reader, 'curated');
      lake.grantWrite(writer, 'raw');
      expect(lake.zoneNames).toEqual(['raw', 'curated', 'features']);
      expect(lake.database('features')).toBe(lake.zone('features').databaseName);
      expect(lake.bucket('raw')).toBe(lake.zone('raw').bucket);
      expect(lake.zone('features').prefix).toBe('');
    });
    t = s.stacks[P];
  });

  test('every reference resolves and no secret is synthesized', () => {
    expect(danglingReferences(s)).toEqual([]);
    expect(allText(s)).not.toMatch(/password"\s*:|secret_string|AKIA[0-9A-Z]{16}/i);
  });

  test('one bucket per zone plus a log bucket', () => {
    const names = Object.values(resources(t, 'aws_s3_bucket')).map((b: any) => b.bucket).sort();
    expect(names).toEqual(['acme-dev-lake-access-logs', 'acme-dev-lake-curated', 'acme-dev-lake-features', 'acme-dev-lake-raw']);
  });

  test.each(['raw', 'curated', 'features'])('zone %s: SSE-KMS with the lake key, versioned, public access blocked, ACLs off, access logs', (zone) => {
    expect(resource(t, 'aws_s3_bucket_server_side_encryption_configuration', `lake_${zone}_bucket_encryption`).rule[0]).toEqual({
      apply_server_side_encryption_by_default: { sse_algorithm: 'aws:kms', kms_master_key_id: '${aws_kms_key.keys_lake_key.arn}' },
      bucket_key_enabled: true,
    });
    expect(resource(t, 'aws_s3_bucket_versioning', `lake_${zone}_bucket_versioning`).versioning_configuration.status).toBe('Enabled');
    expect(resource(t, 'aws_s3_bucket_public_access_block', `lake_${zone}_bucket_public_access_block`)).toMatchObject({
      block_public_acls: true, block_public_policy: true, ignore_public_acls: true, restrict_public_buckets: true,
    });
    expect(resource(t, 'aws_s3_bucket_ownership_controls', `lake_${zone}_bucket_ownership`).rule.object_ownership).toBe('BucketOwnerEnforced');
    expect(resource(t, 'aws_s3_bucket_logging', `lake_${zone}_bucket_access_logging`)).toMatchObject({
      target_bucket: '${aws_s3_bucket.lake_access_logs_bucket.id}', target_prefix: `acme-dev-lake-${zone}/`,
    });
    const p = policy(resource(t, 'aws_s3_bucket_policy', `lake_${zone}_bucket_policy`).policy);
    expect(p.Statement.find((x: any) => x.Sid === 'DenyInsecureTransport')).toMatchObject({ Effect: 'Deny', Principal: '*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } });
    expect(resource(t, 'aws_s3_bucket', `lake_${zone}_bucket_bucket`).lifecycle).toBeUndefined();
  });

  test('lifecycle: abort incomplete uploads, non-current expiry from the profile, per-zone transitions', () => {
    const rules = (zone: string) => resource(t, 'aws_s3_bucket_lifecycle_configuration', `lake_${zone}_lifecycle`.replace('_lifecycle', '_bucket_lifecycle')).rule;
    for (const zone of ['raw', 'curated', 'features']) {
      expect(rules(zone)).toContainEqual(expect.objectContaining({ id: 'abort-incomplete-multipart-uploads', abort_incomplete_multipart_upload: [{ days_after_initiation: 7 }] }));
      expect(rules(zone)).toContainEqual(expect.objectContaining({ id: 'expire-noncurrent-versions', noncurrent_version_expiration: [{ noncurrent_days: 30 }] }));
    }
    expect(rules('raw').find((r: any) => r.id === 'transitions').transition).toEqual([{ days: 30, storage_class: 'STANDARD_IA' }, { days: 90, storage_class: 'GLACIER_IR' }]);
    expect(rules('curated').find((r: any) => r.id === 'transitions').transition).toEqual([{ days: 90, storage_class: 'STANDARD_IA' }]);
    expect(rules('features').find((r: any) => r.id === 'transitions')).toBeUndefined();
  });

  test('a Glue database per zone, located in its bucket', () => {
    const dbs = resources(t, 'aws_glue_catalog_database');
    expect(Object.values(dbs).map((d: any) => d.name).sort()).toEqual(['acme_dev_lake_curated', 'acme_dev_lake_features', 'acme_dev_lake_raw']);
    expect(dbs.lake_raw_database).toMatchObject({ location_uri: 's3://${aws_s3_bucket.lake_raw_bucket_bucket.bucket}/' });
    expect(dbs.lake_raw_database.depends_on).toBeUndefined();
  });

  test('by default no account-wide singleton: the account\'s Lake Formation settings and catalog encryption are left alone', () => {
    expect(resources(t, 'aws_lakeformation_data_lake_settings')).toEqual({});
    expect(resources(t, 'aws_glue_data_catalog_encryption_settings')).toEqual({});
    expect(t.data?.aws_lakeformation_data_lake_settings).toBeUndefined();
    const r = review(readModel(s.outdir));
    expect(r.accountWide).toEqual([]);
    expect(toMarkdown(r)).toContain('## Account-wide settings this platform changes\n\nNone.');
  });

  test('each bucket registered with Lake Formation under the data access role', () => {
    const regs = resources(t, 'aws_lakeformation_resource');
    expect(Object.keys(regs).sort()).toEqual(['lake_curated_location', 'lake_features_location', 'lake_raw_location']);
    expect(regs.lake_raw_location).toMatchObject({
      arn: '${aws_s3_bucket.lake_raw_bucket_bucket.arn}', role_arn: '${aws_iam_role.lake_data_access_role_role.arn}', use_service_linked_role: false, hybrid_access_enabled: false,
    });
    const trust = policy(resource(t, 'aws_iam_role', 'lake_data_access_role_role').assume_role_policy).Statement[0];
    expect(trust.Principal).toEqual({ Service: 'lakeformation.amazonaws.com' });
  });

  test('a reader gets Lake Formation SELECT/DESCRIBE on the zone database tables, not bucket access', () => {
    const perms = resources(t, 'aws_lakeformation_permissions');
    expect(perms.lake_read_curated_tables_reader).toMatchObject({
      principal: '${aws_iam_role.reader_role_role.arn}', permissions: ['SELECT', 'DESCRIBE'],
      table: { database_name: '${aws_glue_catalog_database.lake_curated_database.name}', wildcard: true },
    });
    expect(perms.lake_read_curated_database_reader).toMatchObject({ permissions: ['DESCRIBE'], database: { name: '${aws_glue_catalog_database.lake_curated_database.name}' } });
    expect(Object.keys(perms).filter((k) => k.endsWith('_reader')).sort()).toEqual(['lake_read_curated_database_reader', 'lake_read_curated_tables_reader']);
    const st = stmts(s, 'reader');
    const actions = st.flatMap((x: any) => arr(x.Action));
    expect(actions.some((a: string) => a.startsWith('s3:'))).toBe(false);
    expect(actions.filter((a: string) => /^glue:(Create|Update|Batch(Create|Update)|Delete)/.test(a))).toEqual([]);
    expect(actions).not.toContain('lakeformation:GrantPermissions');
    const glue = st.find((x: any) => arr(x.Action).includes('glue:GetTable'));
    expect(arr(glue.Resource).join(' ')).toContain('database/${aws_glue_catalog_database.lake_curated_database.name}');
    expect(arr(glue.Resource).join(' ')).not.toContain('lake_raw');
  });

  test('a raw-zone writer may put objects into raw and update raw tables only: no read, no delete, nothing in curated', () => {
    const st = stmts(s, 'writer');
    const text = JSON.stringify(st);
    expect(text).not.toContain('lake_curated');
    expect(text).not.toContain('lake_features');
    const actions = st.flatMap((x: any) => arr(x.Action));
    expect(actions).toContain('s3:PutObject');
    expect(actions).not.toContain('s3:GetObject');
    expect(actions).not.toContain('s3:DeleteObject');
    expect(actions.filter((a: string) => a.includes('*') && !a.startsWith('kms:'))).toEqual([]);
    for (const x of st) expect(arr(x.Resource)).not.toContain('*');
    const put = st.find((x: any) => arr(x.Action).includes('s3:PutObject'));
    expect(put.Resource).toBe('${aws_s3_bucket.lake_raw_bucket_bucket.arn}/*');
    const perms = resources(t, 'aws_lakeformation_permissions');
    expect(perms.lake_write_raw_tables_writer.permissions).toEqual(['INSERT', 'ALTER', 'DESCRIBE']);
    expect(perms.lake_write_raw_location_writer).toMatchObject({ permissions: ['DATA_LOCATION_ACCESS'], data_location: { arn: '${aws_s3_bucket.lake_raw_bucket_bucket.arn}' } });
    expect(Object.keys(perms).filter((k) => k.endsWith('_writer')).every((k) => k.includes('_raw_'))).toBe(true);
  });

  test('no policy statement anywhere uses a wildcard action', () => {
    for (const r of Object.values(resources(t, 'aws_iam_role_policy'))) {
      for (const x of policy((r as any).policy).Statement) for (const a of arr(x.Action)) expect(a).not.toMatch(/^(\*|[a-z0-9-]+:\*)$/);
    }
  });
});

describe('DataLake (prod, custom zones)', () => {
  let s: Synthesized;
  beforeAll(() => {
    s = synthesize((app) => {
      const stack = testStack(app, { profile: 'prod', namePrefix: 'acme-prod' });
      new DataLake(stack, 'lake', {
        zones: [{ name: 'landing', transitions: [{ days: 30, storageClass: 'STANDARD_IA' }, { days: 180, storageClass: 'GLACIER' }], noncurrentVersionRetentionDays: 400 }, { name: 'gold' }],
      });
    });
  });

  test('prod buckets are protected from destroy', () => {
    for (const b of Object.values(resources(s.stacks[P], 'aws_s3_bucket'))) expect((b as any).lifecycle).toEqual({ prevent_destroy: true });
  });

  test('zones are configurable: names, transitions to infrequent access and Glacier, non-current expiry', () => {
    const rules = resource(s.stacks[P], 'aws_s3_bucket_lifecycle_configuration', 'lake_landing_bucket_lifecycle').rule;
    expect(rules.find((r: any) => r.id === 'transitions').transition).toEqual([{ days: 30, storage_class: 'STANDARD_IA' }, { days: 180, storage_class: 'GLACIER' }]);
    expect(rules.find((r: any) => r.id === 'expire-noncurrent-versions').noncurrent_version_expiration).toEqual([{ noncurrent_days: 400 }]);
    expect(Object.values(resources(s.stacks[P], 'aws_glue_catalog_database')).map((d: any) => d.name).sort()).toEqual(['acme_prod_lake_gold', 'acme_prod_lake_landing']);
  });

});

describe('DataLake (account-wide settings opted in)', () => {
  let s: Synthesized;
  let t: any;
  beforeAll(() => {
    s = synthesize((app) => {
      const stack = testStack(app);
      const lake = new DataLake(stack, 'lake', {
        accountSettings: { manageLakeFormation: true, lakeFormationAdmins: ['arn:aws:iam::111122223333:role/data-admins'], manageCatalogEncryption: true },
      });
      lake.grantRead(new WorkloadIdentity(stack, 'reader', { cluster, namespace: 'team-a', serviceAccountName: 'reader' }), 'curated');
    });
    t = s.stacks[P];
  });

  test('every reference resolves', () => {
    expect(danglingReferences(s)).toEqual([]);
  });

  test('Lake Formation admins are merged: the account\'s current ones, the deployer, the named ones; other lists kept', () => {
    const settings = resource(t, 'aws_lakeformation_data_lake_settings', 'lake_settings');
    expect(settings.admins).toBe('${distinct(concat(tolist(data.aws_lakeformation_data_lake_settings.lake_current_settings.admins), [data.aws_iam_session_context.lake_deployer.issuer_arn, "arn:aws:iam::111122223333:role/data-admins"]))}');
    expect(settings.read_only_admins).toBe('${tolist(data.aws_lakeformation_data_lake_settings.lake_current_settings.read_only_admins)}');
    expect(settings.trusted_resource_owners).toBe('${data.aws_lakeformation_data_lake_settings.lake_current_settings.trusted_resource_owners}');
    expect(t.data.aws_lakeformation_data_lake_settings.lake_current_settings).toBeDefined();
  });

  test('defaults for new databases and tables are set explicitly to none (Lake Formation only)', () => {
    const settings = resource(t, 'aws_lakeformation_data_lake_settings', 'lake_settings');
    expect(settings.create_database_default_permissions).toEqual([]);
    expect(settings.create_table_default_permissions).toEqual([]);
    expect(resource(t, 'aws_glue_catalog_database', 'lake_raw_database').depends_on).toEqual(['aws_lakeformation_data_lake_settings.lake_settings']);
    expect(resource(t, 'aws_lakeformation_permissions', 'lake_read_curated_tables_reader').depends_on).toContain('aws_lakeformation_data_lake_settings.lake_settings');
  });

  test('Glue Data Catalog encrypted with the catalog key, connection passwords encrypted', () => {
    expect(resource(t, 'aws_glue_data_catalog_encryption_settings', 'lake_catalog_encryption').data_catalog_encryption_settings).toEqual({
      encryption_at_rest: { catalog_encryption_mode: 'SSE-KMS', sse_aws_kms_key_id: '${aws_kms_key.keys_catalog_key.arn}' },
      connection_password_encryption: { return_connection_password_encrypted: true, aws_kms_key_id: '${aws_kms_key.keys_catalog_key.arn}' },
    });
  });

  test('the review lists both account-wide settings', () => {
    const r = review(readModel(s.outdir));
    expect(r.accountWide.map((a) => a.address)).toEqual(['aws_glue_data_catalog_encryption_settings.lake_catalog_encryption', 'aws_lakeformation_data_lake_settings.lake_settings']);
    expect(r.accountWide[1].setting).toContain('new databases and tables: Lake Formation permissions only');
    expect(r.accountWide[0].setting).toBe('Glue Data Catalog encryption of the whole account: SSE-KMS with ${aws_kms_key.keys_catalog_key.arn}');
    expect(toMarkdown(r)).toContain('- `aws_glue_data_catalog_encryption_settings.lake_catalog_encryption`: Glue Data Catalog encryption of the whole account');
  });
});

describe('DataLake invalid input', () => {
  const stack = () => testStack(new App({ outdir: '/tmp/cdktf-mlops-bad' }));

  test('a zone declared twice', () => {
    expect(() => new DataLake(stack(), 'lake', { zones: [{ name: 'raw' }, { name: 'raw' }] }))
      .toThrow(/^\[platform\/lake\] zone "raw" is declared twice\. Fix: declare each zone once\.$/);
  });

  test('a bad zone name, an empty zone list, a bad admin ARN', () => {
    expect(() => new DataLake(stack(), 'lake', { zones: [{ name: 'Raw Zone' }] })).toThrow(/^\[platform\/lake\] zone name "Raw Zone" is not allowed\./);
    expect(() => new DataLake(stack(), 'lake', { zones: [] })).toThrow(/^\[platform\/lake\] zones is empty\./);
    expect(() => new DataLake(stack(), 'lake', { accountSettings: { manageLakeFormation: true, lakeFormationAdmins: ['admins'] } }))
      .toThrow(/^\[platform\/lake\] accountSettings\.lakeFormationAdmins entry "admins" is not an IAM role or user ARN\./);
  });

  test('admins without managing the Lake Formation settings, and the removed props', () => {
    expect(() => new DataLake(stack(), 'lake', { accountSettings: { lakeFormationAdmins: ['arn:aws:iam::111122223333:role/a'] } }))
      .toThrow(/^\[platform\/lake\] accountSettings\.lakeFormationAdmins is set but accountSettings\.manageLakeFormation is not\. Fix: set accountSettings\.manageLakeFormation to true/);
    expect(() => new DataLake(stack(), 'lake', { manageAccountSettings: true } as any))
      .toThrow(/^\[platform\/lake\] manageAccountSettings is no longer a DataLake prop; account-wide settings are opt-in\. Fix: use accountSettings: \{ manageLakeFormation: true/);
  });

  test('a zone name too long for the bucket name rule (prefix 24 + "-lake-" + zone must fit 63)', () => {
    expect(() => new DataLake(stack(), 'lake', { zones: [{ name: 'z'.repeat(21) }] })).toThrow(/^\[platform\/lake\] zone name "z{21}" is not allowed\. Fix: use up to 20 lower-case/);
  });

  test('an unknown zone in an accessor or a grant', () => {
    const lake = new DataLake(stack(), 'lake');
    expect(() => lake.zone('gold')).toThrow(/^\[platform\/lake\] zone "gold" is not a zone of this lake\. Fix: use one of raw, curated, features/);
    expect(() => lake.database('gold')).toThrow(/zone "gold" is not a zone/);
  });

  test('a transition S3 would refuse', () => {
    expect(() => new DataLake(stack(), 'lake', { zones: [{ name: 'raw', transitions: [{ days: 10, storageClass: 'STANDARD_IA' }] }] }))
      .toThrow(/^\[platform\/lake\/raw\/bucket\] transition to STANDARD_IA after 10 days is refused by S3 \(minimum 30\)\./);
  });
});
