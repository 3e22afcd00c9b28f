import { App } from 'cdktf';
import { DataLake } from '../../lib/data/data-lake';
import { FeatureStore, FeatureStoreProps } from '../../lib/features/feature-store';
import { FeatureViewProps } from '../../lib/features/feature-view';
import { WorkloadIdentity } from '../../lib/security/workload-identity';
import { arr, allObjects, danglingReferences, object, policy, resource, resources, schemaViolations, synthesize, Synthesized } from '../support/synth';
import { testCluster, testStack } from '../support/fixtures';

const P = 'platform';
const stmts = (s: Synthesized, role: string) => policy(resource(s.stacks[P], 'aws_iam_role_policy', `${role}_role_policy`).policy).Statement;
const actionsOf = (st: any[]) => st.flatMap((x) => arr(x.Action));

const PROFILE_V1: FeatureViewProps = {
  name: 'customer_profile',
  version: 1,
  entities: [{ name: 'customer', key: 'customer_id' }],
  features: [{ name: 'age', type: 'int64' }, { name: 'plan', type: 'string' }],
  ttl: 86400,
  source: { timestampField: 'event_timestamp' },
};
const PROFILE_V2: FeatureViewProps = {
  ...PROFILE_V1,
  version: 2,
  features: [...PROFILE_V1.features, { name: 'lifetime_value', type: 'float64' }],
  source: { timestampField: 'event_timestamp', createdTimestampField: 'created_at', producedBy: 'glue job customer-features' },
  owner: 'risk-team@acme.example',
  dataClassification: 'restricted',
  description: 'Customer profile with lifetime value',
};
const TXN_V1: FeatureViewProps = {
  name: 'txn_stats',
  version: 1,
  entities: [{ name: 'account', key: 'account_id', keyType: 'int64' }],
  features: [{ name: 'txn_count_7d', type: 'int64' }, { name: 'txn_amount_7d', type: 'float64' }, { name: 'is_flagged', type: 'bool' }],
  ttl: 3600,
  source: {},
};

describe('FeatureStore (dev, with a cluster)', () => {
  let s: Synthesized;
  let t: any;
  beforeAll(() => {
    s = synthesize((app) => {
      const { stack, cluster } = testCluster(app);
      const lake = new DataLake(stack, 'lake');
      const store = new FeatureStore(stack, 'features', {
        zone: lake.zone('features'), cluster, featureViews: [PROFILE_V1, TXN_V1], server: { clients: [{ namespace: 'team-a' }] },
      });
      const v2 = store.addFeatureView(PROFILE_V2);
      const serving = new WorkloadIdentity(stack, 'serving', { cluster, namespace: 'team-a', serviceAccountName: 'churn-model' });
      const training = new WorkloadIdentity(stack, 'training', { cluster, namespace: 'team-a', serviceAccountName: 'churn-training' });
      store.grantReadOnline(serving, [v2]);
      store.grantReadOffline(training, [v2]);
      const both = new WorkloadIdentity(stack, 'analyst', { cluster, namespace: 'team-a', serviceAccountName: 'analyst' });
      store.grantReadOnline(both);
      store.grantReadOffline(both);
      store.grantReadOffline(both);
      expect(store.featureView('customer_profile', 2)).toBe(v2);
      expect(store.featureViews.map((v) => v.feastName)).toEqual(['customer_profile_v1', 'txn_stats_v1', 'customer_profile_v2']);
    });
    t = s.stacks[P];
  });

  test('every reference resolves and every Kubernetes object passes the upstream schemas', () => {
    expect(danglingReferences(s)).toEqual([]);
    expect(schemaViolations(allObjects(s))).toEqual([]);
  });

  test('one online DynamoDB table per view version, named as Feast reads it (<project>.<name>_v<version>)', () => {
    const names = Object.values<any>(resources(t, 'aws_dynamodb_table')).map((x) => x.name).sort();
    expect(names).toEqual(['acme_dev_features.customer_profile_v1', 'acme_dev_features.customer_profile_v2', 'acme_dev_features.txn_stats_v1']);
  });

  test.each(['customer_profile_v1', 'customer_profile_v2', 'txn_stats_v1'])('online table %s: on-demand, Feast item layout, PITR, CMK, TTL', (view) => {
    const table = resource(t, 'aws_dynamodb_table', `features_${view}_online_table`);
    expect(table).toMatchObject({
      billing_mode: 'PAY_PER_REQUEST',
      hash_key: 'entity_id',
      attribute: [{ name: 'entity_id', type: 'S' }],
      point_in_time_recovery: { enabled: true },
      server_side_encryption: { enabled: true, kms_key_arn: '${aws_kms_key.keys_features_key.arn}' },
      ttl: { enabled: true, attribute_name: 'expires_at' },
      deletion_protection_enabled: false,
    });
    expect(table.range_key).toBeUndefined();
    expect(table.lifecycle).toBeUndefined();
  });

  test('one offline Glue table per view version in the features zone: Parquet, partitioned by day, typed columns', () => {
    const names = Object.values<any>(resources(t, 'aws_glue_catalog_table')).map((x) => x.name).sort();
    expect(names).toEqual(['acme_dev_features_customer_profile_v1', 'acme_dev_features_customer_profile_v2', 'acme_dev_features_txn_stats_v1']);
    const v2 = resource(t, 'aws_glue_catalog_table', 'features_customer_profile_v2_offline_table');
    expect(v2).toMatchObject({
      database_name: '${aws_glue_catalog_database.lake_features_database.name}',
      table_type: 'EXTERNAL_TABLE',
      owner: 'risk-team@acme.example',
      partition_keys: [{ name: 'dt', type: 'string', comment: 'UTC day of the event time, YYYY-MM-DD' }],
      parameters: { classification: 'parquet', feature_view: 'customer_profile', feature_view_version: '2', data_classification: 'restricted' },
    });
    expect(v2.storage_descriptor.location).toBe('s3://${aws_s3_bucket.lake_features_bucket_bucket.bucket}/feature-store/acme_dev_features/offline/customer_profile_v2/');
    expect(v2.storage_descriptor.ser_de_info.serialization_library).toBe('org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe');
    expect(v2.storage_descriptor.columns.map((c: any) => [c.name, c.type])).toEqual([
      ['customer_id', 'string'], ['age', 'bigint'], ['plan', 'string'], ['lifetime_value', 'double'], ['event_timestamp', 'timestamp'], ['created_at', 'timestamp'],
    ]);
    const txn = resource(t, 'aws_glue_catalog_table', 'features_txn_stats_v1_offline_table');
    expect(txn.storage_descriptor.columns.map((c: any) => [c.name, c.type])).toEqual([
      ['account_id', 'bigint'], ['txn_count_7d', 'bigint'], ['txn_amount_7d', 'double'], ['is_flagged', 'boolean'], ['event_timestamp', 'timestamp'],
    ]);
    expect(txn.owner).toBe('ml-platform@acme.example');
  });

  test('the registry document lists every view version with keys, features, tables, owner and classification', () => {
    const obj = resource(t, 'aws_s3_object', 'features_registry');
    expect(obj).toMatchObject({
      bucket: '${aws_s3_bucket.lake_features_bucket_bucket.bucket}',
      key: 'feature-store/acme_dev_features/registry/registry.json',
      content_type: 'application/json',
      server_side_encryption: 'aws:kms',
      kms_key_id: '${aws_kms_key.keys_lake_key.arn}',
    });
    const doc = JSON.parse(obj.content);
    expect(doc).toMatchObject({
      schemaVersion: 1,
      project: 'acme_dev_features',
      onlineStore: { type: 'dynamodb', region: 'eu-west-1', tableNameTemplate: '{project}.{table_name}' },
      feastRegistry: 's3://${aws_s3_bucket.lake_features_bucket_bucket.bucket}/feature-store/acme_dev_features/registry/feast/registry.pb',
    });
    expect(doc.featureViews.map((v: any) => [v.name, v.version, v.owner, v.dataClassification])).toEqual([
      ['customer_profile', 1, 'ml-platform@acme.example', 'internal'],
      ['txn_stats', 1, 'ml-platform@acme.example', 'internal'],
      ['customer_profile', 2, 'risk-team@acme.example', 'restricted'],
    ]);
    const v2 = doc.featureViews[2];
    expect(v2).toMatchObject({
      feastName: 'customer_profile_v2',
      description: 'Customer profile with lifetime value',
      entities: [{ name: 'customer', key: 'customer_id', keyType: 'string' }],
      features: [{ name: 'age', type: 'int64' }, { name: 'plan', type: 'string' }, { name: 'lifetime_value', type: 'float64' }],
      ttlSeconds: 86400,
      source: { timestampField: 'event_timestamp', createdTimestampField: 'created_at', producedBy: 'glue job customer-features' },
      offline: {
        database: '${aws_glue_catalog_database.lake_features_database.name}',
        table: 'acme_dev_features_customer_profile_v2',
        format: 'parquet',
        partitionKeys: ['dt'],
      },
      online: { store: 'dynamodb', table: 'acme_dev_features.customer_profile_v2' },
    });
    expect(v2.schemaFingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(v2.schemaFingerprint).not.toBe(doc.featureViews[0].schemaFingerprint);
    // Every online table named in the registry exists, with Feast's template applied.
    const tables = Object.values<any>(resources(t, 'aws_dynamodb_table')).map((x) => x.name);
    for (const v of doc.featureViews) {
      expect(v.online.table).toBe(`${doc.project}.${v.feastName}`);
      expect(tables).toContain(v.online.table);
    }
  });

  test('the same registry is in the repo ConfigMap, next to the generated Feast config and repo', () => {
    const cm = object(s, 'ConfigMap', 'feature-store-repo', 'mlops-system');
    const fromS3 = JSON.parse(resource(t, 'aws_s3_object', 'features_registry').content);
    const fromCm = JSON.parse(cm.data['registry.json']);
    const strip = (d: any) => d.featureViews.map((v: any) => ({ ...v, offline: { ...v.offline, database: undefined, location: undefined } }));
    expect(strip(fromCm)).toEqual(strip(fromS3));
    expect(cm.data['feature_store.yaml']).toMatch(/^project: acme_dev_features\nprovider: aws\nregistry:\n  registry_type: file\n  path: s3:\/\/\$\{data\.terraform_remote_state\.[^}]+\}\/feature-store\/acme_dev_features\/registry\/feast\/registry\.pb\n/);
    expect(cm.data['feature_store.yaml']).toContain('online_store:\n  type: dynamodb\n  region: eu-west-1\n  table_name_template: "{project}.{table_name}"\n');
    expect(cm.data['feature_store.yaml']).toContain('offline_store:\n  type: file\n');
    const repo: string = cm.data['feature_repo.py'];
    expect(repo).toContain('from feast.types import Bool, Float64, Int64, String');
    expect(repo).toContain('customer = Entity(name="customer", join_keys=["customer_id"], value_type=ValueType.STRING)');
    expect(repo).toContain('account = Entity(name="account", join_keys=["account_id"], value_type=ValueType.INT64)');
    expect(repo).toContain([
      'customer_profile_v2 = FeatureView(',
      '    name="customer_profile_v2",',
      '    entities=[customer],',
      '    ttl=timedelta(seconds=86400),',
      '    schema=[',
      '        Field(name="age", dtype=Int64),',
      '        Field(name="plan", dtype=String),',
      '        Field(name="lifetime_value", dtype=Float64),',
      '    ],',
      '    online=True,',
      '    source=customer_profile_v2_source,',
      '    owner="risk-team@acme.example",',
    ].join('\n'));
    expect(repo).toContain('tags={"base_name": "customer_profile", "version": "2", "data_classification": "restricted"},');
    expect(repo).toContain('created_timestamp_column="created_at",');
    expect(repo.match(/= FeatureView\(/g)).toHaveLength(3);
  });

  test('serving reads only the online table of its view and the registry: no offline store, no writes', () => {
    const st = stmts(s, 'serving');
    const dynamo = st.filter((x) => arr(x.Action).some((a: string) => a.startsWith('dynamodb:')));
    expect(dynamo).toEqual([{
      Effect: 'Allow',
      Action: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:DescribeTable'],
      Resource: '${aws_dynamodb_table.features_customer_profile_v2_online_table.arn}',
    }]);
    const actions = actionsOf(st);
    expect(actions.filter((a) => /^(glue|lakeformation|athena):/.test(a))).toEqual([]);
    expect(actions.filter((a) => /Put|Write|Update|Delete|Create/.test(a))).toEqual([]);
    const s3 = st.filter((x) => arr(x.Action).some((a: string) => a.startsWith('s3:')));
    // Objects: only the registry prefix. Listing: the registry prefix, or no prefix at all (Feast's HeadBucket check).
    expect(s3).toEqual([
      { Effect: 'Allow', Action: ['s3:GetObject', 's3:GetObjectVersion'], Resource: '${aws_s3_bucket.lake_features_bucket_bucket.arn}/feature-store/acme_dev_features/registry/*' },
      { Effect: 'Allow', Action: 's3:ListBucket', Resource: '${aws_s3_bucket.lake_features_bucket_bucket.arn}', Condition: { StringLike: { 's3:prefix': ['feature-store/acme_dev_features/registry/*'] } } },
      {
        Sid: 'FeastRegistryHeadBucket', Effect: 'Allow', Action: 's3:ListBucket', Resource: '${aws_s3_bucket.lake_features_bucket_bucket.arn}',
        Condition: { StringLikeIfExists: { 's3:prefix': ['feature-store/acme_dev_features/registry/*'] } },
      },
    ]);
    expect(st).toContainEqual({
      Effect: 'Allow', Action: ['kms:Decrypt', 'kms:DescribeKey'], Resource: '${aws_kms_key.keys_features_key.arn}',
      Condition: { StringEquals: { 'kms:ViaService': ['dynamodb.eu-west-1.amazonaws.com'] } },
    });
    const lf = Object.values<any>(resources(t, 'aws_lakeformation_permissions')).filter((p) => p.principal.includes('serving'));
    expect(lf).toEqual([]);
  });

  test('granting twice never repeats a statement id (IAM refuses duplicate Sids)', () => {
    const st = stmts(s, 'analyst');
    expect(st.filter((x) => x.Sid === 'FeastRegistryHeadBucket')).toHaveLength(1);
    expect(st.filter((x) => arr(x.Action).includes('dynamodb:BatchGetItem')).flatMap((x) => arr(x.Resource))).toHaveLength(3);
    expect(st.filter((x) => arr(x.Action).includes('kms:Decrypt') && x.Resource === '${aws_kms_key.keys_features_key.arn}')).toHaveLength(1);
    expect(Object.values<any>(resources(t, 'aws_lakeformation_permissions')).filter((p) => p.principal.includes('analyst') && p.table)).toHaveLength(3);
  });

  test('training reads only its view offline, through Lake Formation: no online store, no writes', () => {
    const st = stmts(s, 'training');
    const actions = actionsOf(st);
    expect(actions.filter((a) => a.startsWith('dynamodb:'))).toEqual([]);
    expect(actions.filter((a) => /Put|Write|Update|Delete|Create/.test(a))).toEqual([]);
    expect(st.find((x) => arr(x.Action).includes('glue:GetTable')).Resource).toEqual([
      'arn:${data.aws_partition.partition.partition}:glue:eu-west-1:${data.aws_caller_identity.caller_identity.account_id}:catalog',
      'arn:${data.aws_partition.partition.partition}:glue:eu-west-1:${data.aws_caller_identity.caller_identity.account_id}:database/${aws_glue_catalog_database.lake_features_database.name}',
      'arn:${data.aws_partition.partition.partition}:glue:eu-west-1:${data.aws_caller_identity.caller_identity.account_id}:table/${aws_glue_catalog_database.lake_features_database.name}/acme_dev_features_customer_profile_v2',
    ]);
    expect(resource(t, 'aws_lakeformation_permissions', 'features_customer_profile_v2_read_offline_table_training')).toMatchObject({
      principal: '${aws_iam_role.training_role_role.arn}',
      permissions: ['SELECT', 'DESCRIBE'],
      table: { database_name: '${aws_glue_catalog_database.lake_features_database.name}', name: 'acme_dev_features_customer_profile_v2' },
    });
    expect(resource(t, 'aws_lakeformation_permissions', 'features_customer_profile_v2_read_offline_database_training').permissions).toEqual(['DESCRIBE']);
    // Only the v2 table: nothing on v1 or txn_stats, no table wildcard.
    const trainingLf = Object.values<any>(resources(t, 'aws_lakeformation_permissions')).filter((p) => p.principal.includes('training'));
    expect(trainingLf).toHaveLength(2);
    expect(JSON.stringify(trainingLf)).not.toContain('wildcard');
  });

  test('materialization writes every online table, reads only the offline files, writes only Feast\'s registry file', () => {
    const st = stmts(s, 'features_materialization_identity');
    const dynamo = st.filter((x) => arr(x.Action).some((a: string) => a.startsWith('dynamodb:')));
    // One statement for the views declared with the store, one for the view added afterwards.
    expect(dynamo.map((x) => x.Resource)).toEqual([
      ['${aws_dynamodb_table.features_customer_profile_v1_online_table.arn}', '${aws_dynamodb_table.features_txn_stats_v1_online_table.arn}'],
      '${aws_dynamodb_table.features_customer_profile_v2_online_table.arn}',
    ]);
    for (const d of dynamo) {
      expect(d.Action).toEqual(['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem', 'dynamodb:DescribeTable', 'dynamodb:CreateTable']);
      expect(d.Action).not.toContain('dynamodb:GetItem');
      expect(d.Action).not.toContain('dynamodb:DeleteTable');
    }
    const puts = st.filter((x) => arr(x.Action).includes('s3:PutObject')).flatMap((x) => arr(x.Resource));
    expect(puts).toEqual(['${aws_s3_bucket.lake_features_bucket_bucket.arn}/feature-store/acme_dev_features/registry/feast/*']);
    const gets = st.filter((x) => arr(x.Action).includes('s3:GetObject')).flatMap((x) => arr(x.Resource));
    expect(gets).toEqual([
      '${aws_s3_bucket.lake_features_bucket_bucket.arn}/feature-store/acme_dev_features/registry/*',
      ...['customer_profile_v1', 'txn_stats_v1', 'customer_profile_v2'].map((v) => `\${aws_s3_bucket.lake_features_bucket_bucket.arn}/feature-store/acme_dev_features/offline/${v}/*`),
    ]);
    const lists = st.filter((x) => arr(x.Action).includes('s3:ListBucket') && x.Condition?.StringLike).map((x) => x.Condition.StringLike['s3:prefix']);
    expect(lists).toEqual([
      ['feature-store/acme_dev_features/registry/*'],
      ['feature-store/acme_dev_features/offline/customer_profile_v1/*', 'feature-store/acme_dev_features/offline/txn_stats_v1/*'],
      ['feature-store/acme_dev_features/offline/customer_profile_v2/*'],
    ]);
    expect(actionsOf(st).filter((a) => /^(glue|lakeformation):/.test(a))).toEqual([]);
    expect(resource(t, 'aws_eks_pod_identity_association', 'features_materialization_identity_association')).toMatchObject({ namespace: 'mlops-system', service_account: 'feature-store-materialize' });
  });

  test('the feature server runs Feast from the pinned image on the hardened service workload, probed on /health', () => {
    const d = object(s, 'Deployment', 'feature-store-server', 'mlops-system');
    const pod = d.spec.template.spec;
    expect(pod).toMatchObject({ serviceAccountName: 'feature-store-server', automountServiceAccountToken: false });
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    const c = pod.containers[0];
    expect(c.image).toBe('feastdev/feature-server:0.40.1');
    expect(c.command[2]).toContain('cp /etc/feast/feature_store.yaml /tmp/repo/\ncd /tmp/repo\nexec feast serve --host 0.0.0.0 --port 6566');
    expect(c.ports).toEqual([{ name: 'http', containerPort: 6566, protocol: 'TCP' }]);
    for (const p of [c.readinessProbe, c.livenessProbe, c.startupProbe]) expect(p.httpGet).toEqual({ path: '/health', port: 'http' });
    expect(c.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    expect(c.volumeMounts).toContainEqual({ name: 'repo', mountPath: '/etc/feast', readOnly: true });
    expect(pod.volumes).toContainEqual({ name: 'repo', configMap: { name: 'feature-store-repo' } });
    expect(c.env).toContainEqual({ name: 'AWS_REGION', value: 'eu-west-1' });
    expect(object(s, 'Service', 'feature-store-server', 'mlops-system').spec.ports).toEqual([{ name: 'http', port: 6566, targetPort: 'http', protocol: 'TCP' }]);
    expect(object(s, 'PodDisruptionBudget', 'feature-store-server', 'mlops-system').spec.maxUnavailable).toBe(1);
    expect(object(s, 'HorizontalPodAutoscaler', 'feature-store-server', 'mlops-system').spec).toMatchObject({ minReplicas: 1, scaleTargetRef: { kind: 'Deployment', name: 'feature-store-server' } });
    const np = object(s, 'NetworkPolicy', 'feature-store-server-ingress', 'mlops-system');
    expect(np.spec.ingress).toEqual([{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'team-a' } } }], ports: [{ protocol: 'TCP', port: 6566 }] }]);
  });

  test('the feature server identity reads only the online tables (including views added later) and the registry', () => {
    const st = stmts(s, 'features_server_identity');
    const dynamo = st.filter((x) => arr(x.Action).some((a: string) => a.startsWith('dynamodb:')));
    expect(dynamo.map((x) => x.Resource)).toEqual([
      ['${aws_dynamodb_table.features_customer_profile_v1_online_table.arn}', '${aws_dynamodb_table.features_txn_stats_v1_online_table.arn}'],
      '${aws_dynamodb_table.features_customer_profile_v2_online_table.arn}',
    ]);
    for (const d of dynamo) expect(d.Action).toEqual(['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:DescribeTable']);
    const actions = actionsOf(st);
    expect(actions.filter((a) => /^(glue|lakeformation|athena):/.test(a))).toEqual([]);
    expect(actions.filter((a) => /Put|Write|Update|Delete|Create/.test(a))).toEqual([]);
    expect(st.filter((x) => arr(x.Action).includes('s3:GetObject')).flatMap((x) => arr(x.Resource)))
      .toEqual(['${aws_s3_bucket.lake_features_bucket_bucket.arn}/feature-store/acme_dev_features/registry/*']);
    expect(resource(t, 'aws_eks_pod_identity_association', 'features_server_identity_association')).toMatchObject({ namespace: 'mlops-system', service_account: 'feature-store-server' });
  });

  test('the materialization CronJob runs feast apply and materialize-incremental from the pinned image, never overlapping, restricted', () => {
    const cj = object(s, 'CronJob', 'feature-store-materialize', 'mlops-system');
    expect(cj.spec).toMatchObject({
      schedule: '0 * * * *', concurrencyPolicy: 'Forbid', startingDeadlineSeconds: 600,
      jobTemplate: { spec: { backoffLimit: 2, activeDeadlineSeconds: 3600, ttlSecondsAfterFinished: 86400 } },
    });
    const pod = cj.spec.jobTemplate.spec.template.spec;
    expect(pod).toMatchObject({ serviceAccountName: 'feature-store-materialize', automountServiceAccountToken: false, restartPolicy: 'Never' });
    expect(pod.securityContext).toEqual({ runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, fsGroup: 65532, seccompProfile: { type: 'RuntimeDefault' } });
    const c = pod.containers[0];
    expect(c.image).toBe('feastdev/feature-server:0.40.1');
    expect(c.command[2]).toContain('cd /tmp/repo\nfeast apply\nfeast materialize-incremental "$(date -u +%Y-%m-%dT%H:%M:%S)"');
    expect(c.command[2]).toMatch(/^set -eu\n/);
    expect(c.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] }, runAsNonRoot: true });
    expect(c.resources.limits).toEqual({ cpu: '1', memory: '2Gi' });
    expect(c.volumeMounts).toEqual([{ name: 'repo', mountPath: '/etc/feast', readOnly: true }, { name: 'tmp', mountPath: '/tmp' }]);
    expect(pod.volumes[0]).toEqual({ name: 'repo', configMap: { name: 'feature-store-repo' } });
    expect(object(s, 'ServiceAccount', 'feature-store-materialize', 'mlops-system').automountServiceAccountToken).toBe(false);
  });
});

describe('FeatureStore versions and profiles (no cluster)', () => {
  const build = (views: FeatureViewProps[], profile: 'dev' | 'prod' = 'dev') => synthesize((app) => {
    const stack = testStack(app, { profile });
    const lake = new DataLake(stack, 'lake');
    new FeatureStore(stack, 'features', { zone: lake.zone('features'), featureViews: views });
  });
  let v1Only: Synthesized;
  let both: Synthesized;
  beforeAll(() => {
    v1Only = build([PROFILE_V1]);
    both = build([PROFILE_V1, PROFILE_V2]);
  });

  test('references resolve; no Kubernetes objects without a cluster', () => {
    expect(danglingReferences(both)).toEqual([]);
    expect(allObjects(both)).toEqual([]);
  });

  test('adding version 2 adds tables and a registry entry and leaves version 1 exactly as it was', () => {
    for (const [type, name] of [['aws_dynamodb_table', 'features_customer_profile_v1_online_table'], ['aws_glue_catalog_table', 'features_customer_profile_v1_offline_table']]) {
      expect(resource(both.stacks[P], type, name)).toEqual(resource(v1Only.stacks[P], type, name));
    }
    expect(Object.keys(resources(both.stacks[P], 'aws_dynamodb_table')).sort()).toEqual(['features_customer_profile_v1_online_table', 'features_customer_profile_v2_online_table']);
    const before = JSON.parse(resource(v1Only.stacks[P], 'aws_s3_object', 'features_registry').content).featureViews;
    const after = JSON.parse(resource(both.stacks[P], 'aws_s3_object', 'features_registry').content).featureViews;
    expect(after[0]).toEqual(before[0]);
    expect(after.map((v: any) => `${v.name}@${v.version}`)).toEqual(['customer_profile@1', 'customer_profile@2']);
  });

  test('prod: deletion protection and prevent_destroy on the online tables', () => {
    const prod = build([PROFILE_V1], 'prod');
    expect(resource(prod.stacks[P], 'aws_dynamodb_table', 'features_customer_profile_v1_online_table')).toMatchObject({
      deletion_protection_enabled: true, lifecycle: { prevent_destroy: true }, point_in_time_recovery: { enabled: true },
    });
    expect(danglingReferences(prod)).toEqual([]);
  });
});

describe('FeatureStore input errors', () => {
  const make = (views: FeatureViewProps[], props: Partial<FeatureStoreProps> = {}) => {
    const app = new App({ outdir: '/tmp/cdktf-mlops-bad' });
    const stack = testStack(app);
    const lake = new DataLake(stack, 'lake');
    return new FeatureStore(stack, 'features', { zone: lake.zone('features'), featureViews: views, ...props });
  };

  test('a view dataClassification outside the data-classification tag values, with the nearest one', () => {
    expect(() => make([{ ...PROFILE_V1, dataClassification: 'Restricted' }])).toThrow(new Error('[platform/features/customer_profile_v1] dataClassification is "Restricted", which is not a known classification (did you mean "restricted"?). Fix: use one of public, internal, confidential, restricted.'));
    expect(() => make([{ ...PROFILE_V1, dataClassification: 'confidental' }])).toThrow(new Error('[platform/features/customer_profile_v1] dataClassification is "confidental", which is not a known classification (did you mean "confidential"?). Fix: use one of public, internal, confidential, restricted.'));
    expect(() => make([{ ...PROFILE_V1, dataClassification: 'pii' }])).toThrow(new Error('[platform/features/customer_profile_v1] dataClassification is "pii", which is not a known classification. Fix: use one of public, internal, confidential, restricted.'));
  });
  test('a store dataClassification outside the tag values is named as the store\'s', () => expect(() => make([PROFILE_V1], { dataClassification: 'secret' }))
    .toThrow(new Error('[platform/features/customer_profile_v1] the feature store\'s dataClassification is "secret", which is not a known classification. Fix: use one of public, internal, confidential, restricted.')));
  test('two views with the same name and version', () => expect(() => make([PROFILE_V1, { ...PROFILE_V1, features: [{ name: 'x', type: 'int64' }] }]))
    .toThrow(/^\[platform\/features\] feature view "customer_profile" version 1 is declared twice\. Fix: declare each version once; to change the view, add version 2\.$/));
  test('an unknown feature type', () => expect(() => make([{ ...PROFILE_V1, features: [{ name: 'age', type: 'integer' as any }] }]))
    .toThrow(/^\[platform\/features\] feature "age" of feature view "customer_profile" version 1 has unknown type "integer"\. Fix: use one of int32, int64, float32, float64, string, bytes, bool, timestamp\.$/));
  test('an entity with no key', () => expect(() => make([{ ...PROFILE_V1, entities: [{ name: 'customer' } as any] }]))
    .toThrow(/^\[platform\/features\] entity "customer" of feature view "customer_profile" version 1 has no key\. Fix: give it the join key column, e\.g\. \{ name: "customer", key: "customer_id" \}\.$/));
  test('an entity key of a type Feast cannot join on', () => expect(() => make([{ ...PROFILE_V1, entities: [{ name: 'customer', key: 'customer_id', keyType: 'float64' }] }]))
    .toThrow(/^\[platform\/features\] entity "customer" of feature view "customer_profile" version 1 has key type "float64"\. Fix: use one of int32, int64, string, bytes\.$/));
  test('a version that is not a whole number from 1', () => expect(() => make([{ ...PROFILE_V1, version: 0 }]))
    .toThrow(/^\[platform\/features\] feature view "customer_profile" has version 0; a version is a whole number from 1\./));
  test('a view name that is not a Python identifier', () => expect(() => make([{ ...PROFILE_V1, name: 'Customer-Profile' }]))
    .toThrow(/^\[platform\/features\] feature view name "Customer-Profile" is not allowed\./));
  test('no entity', () => expect(() => make([{ ...PROFILE_V1, entities: [] }]))
    .toThrow(/feature view "customer_profile" version 1 has no entity\./));
  test('no feature', () => expect(() => make([{ ...PROFILE_V1, features: [] }]))
    .toThrow(/feature view "customer_profile" version 1 has no feature\./));
  test('a column used twice', () => expect(() => make([{ ...PROFILE_V1, features: [{ name: 'customer_id', type: 'string' }] }]))
    .toThrow(/feature view "customer_profile" version 1 uses the column "customer_id" twice \(feature\)\./));
  test('a negative ttl', () => expect(() => make([{ ...PROFILE_V1, ttl: -1 }]))
    .toThrow(/feature view "customer_profile" version 1 has ttl -1; it must be a whole number of seconds, 0 or more\./));
  test('one entity with two different keys', () => expect(() => make([PROFILE_V1, { ...TXN_V1, entities: [{ name: 'customer', key: 'cust_no' }] }]))
    .toThrow(/^\[platform\/features\] entity "customer" of feature view "txn_stats" version 1 has key cust_no \(string\), but feature view "customer_profile" version 1 declares it with key customer_id \(string\)\./));
  test('a project name Feast refuses', () => expect(() => make([PROFILE_V1], { project: 'acme-features' }))
    .toThrow(/^\[platform\/features\] Feast project name "acme-features" is not allowed: it may contain only lower-case letters, digits and underscores, starting with a letter\./));
  test('asking for a view that is not declared', () => expect(() => make([PROFILE_V1]).featureView('customer_profile', 3))
    .toThrow(/^\[platform\/features\] feature view "customer_profile" version 3 is not declared in this store\. Fix: use one of customer_profile v1, or declare it with addFeatureView\.$/));
  test('a materialization schedule that is not cron', () => expect(() => {
    const app = new App({ outdir: '/tmp/cdktf-mlops-bad' });
    const { stack, cluster } = testCluster(app);
    const lake = new DataLake(stack, 'lake');
    new FeatureStore(stack, 'features', { zone: lake.zone('features'), cluster, featureViews: [PROFILE_V1], materialization: { schedule: 'hourly' } });
  }).toThrow(/^\[platform\/features\/materialization\] materialization\.schedule "hourly" has 1 fields; a CronJob schedule has 5/));
  test('an unpinned materialization image', () => expect(() => {
    const app = new App({ outdir: '/tmp/cdktf-mlops-bad' });
    const { stack, cluster } = testCluster(app);
    const lake = new DataLake(stack, 'lake');
    new FeatureStore(stack, 'features', { zone: lake.zone('features'), cluster, featureViews: [PROFILE_V1], materialization: { image: 'feastdev/feature-server:latest' } });
  }).toThrow(/^\[platform\/features\/materialization\] image "feastdev\/feature-server:latest" uses the mutable tag "latest"\./));
  test('server: false creates no feature server', () => {
    const app = new App({ outdir: '/tmp/cdktf-mlops-bad' });
    const { stack, cluster } = testCluster(app);
    const lake = new DataLake(stack, 'lake');
    const store = new FeatureStore(stack, 'features', { zone: lake.zone('features'), cluster, featureViews: [PROFILE_V1], server: false });
    expect(store.server).toBeUndefined();
    const ours = cluster.workloads.synthesizeObjects().filter((o) => o.metadata.labels?.['app.kubernetes.io/part-of'] === 'feature-store');
    expect(ours.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual(['ConfigMap/feature-store-repo', 'CronJob/feature-store-materialize', 'ServiceAccount/feature-store-materialize']);
  });
  test('a store without views fails the synth', () => expect(() => synthesize((app) => {
    const stack = testStack(app);
    const lake = new DataLake(stack, 'lake');
    new FeatureStore(stack, 'features', { zone: lake.zone('features') });
  })).toThrow(/the feature store declares no feature view\. Fix: declare views in featureViews or with addFeatureView\(\), or drop the store\./));
});
