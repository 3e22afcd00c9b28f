import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { App } from 'cdktf';
import { ExperimentTracking, ExperimentTrackingProps, MLFLOW_IMAGE } from '../../lib/registry/experiment-tracking';
import { allObjects, allText, danglingReferences, object, policy, resource, resources, schemaViolations, synthesize, Synthesized } from '../support/synth';
import { testCluster } from '../support/fixtures';
import { RecordingSecretStore, secretFindings } from './secret-scan';

function build(app: App, profile: 'dev' | 'prod', extra: Partial<ExperimentTrackingProps> = {}) {
  const { stack, cluster } = testCluster(app, { stack: { profile } });
  const store = new RecordingSecretStore(stack, 'test_store', cluster);
  const tracking = new ExperimentTracking(stack, 'tracking', {
    cluster,
    secretStore: store,
    clients: [{ namespace: 'training' }, { namespace: 'pipelines', podLabels: { 'app.kubernetes.io/name': 'retrain' } }],
    ...extra,
  });
  return { stack, cluster, store, tracking };
}

describe('ExperimentTracking (prod)', () => {
  let s: Synthesized;
  let p: any;
  beforeAll(() => {
    s = synthesize((app) => { build(app, 'prod'); });
    p = s.stacks.platform;
  });

  test('references resolve and every object passes upstream schema validation', () => {
    expect(danglingReferences(s)).toEqual([]);
    expect(schemaViolations(allObjects(s))).toEqual([]);
  });

  test('database: PostgreSQL encrypted with the experiments CMK, private, durable', () => {
    const db = resource(p, 'aws_db_instance', 'tracking_database');
    expect(db).toMatchObject({
      identifier: 'acme-dev-mlflow',
      engine: 'postgres',
      storage_encrypted: true,
      kms_key_id: '${aws_kms_key.keys_experiments_key.arn}',
      publicly_accessible: false,
      multi_az: true,
      deletion_protection: true,
      skip_final_snapshot: false,
      final_snapshot_identifier: 'acme-dev-mlflow-final',
      backup_retention_period: 35,
      copy_tags_to_snapshot: true,
      enabled_cloudwatch_logs_exports: ['postgresql', 'upgrade'],
      performance_insights_kms_key_id: '${aws_kms_key.keys_experiments_key.arn}',
      db_subnet_group_name: '${aws_db_subnet_group.tracking_db_subnet_group.name}',
      vpc_security_group_ids: ['${aws_security_group.tracking_db_security_group.id}'],
      parameter_group_name: '${aws_db_parameter_group.tracking_db_parameter_group.name}',
      lifecycle: { prevent_destroy: true },
    });
  });

  test('database: RDS-managed master password encrypted with the CMK; no password in state', () => {
    const db = resource(p, 'aws_db_instance', 'tracking_database');
    expect(db.manage_master_user_password).toBe(true);
    expect(db.master_user_secret_kms_key_id).toBe('${aws_kms_key.keys_experiments_key.arn}');
    expect(db.password).toBeUndefined();
    expect(db.password_wo).toBeUndefined();
  });

  test('database: in the data subnets only', () => {
    const group = resource(p, 'aws_db_subnet_group', 'tracking_db_subnet_group');
    expect(group.subnet_ids).toEqual(expect.arrayContaining([expect.stringMatching(/aws_subnet\.network_data_subnet/)]));
    expect(group.subnet_ids.every((id: string) => /network_data_subnet/.test(id))).toBe(true);
  });

  test('database: TLS enforced by the parameter group', () => {
    const pg = resource(p, 'aws_db_parameter_group', 'tracking_db_parameter_group');
    expect(pg.family).toBe('postgres16');
    expect(pg.parameter).toContainEqual({ name: 'rds.force_ssl', value: '1', apply_method: 'pending-reboot' });
  });

  test('database: log exports go to CMK-encrypted log groups created first', () => {
    for (const t of ['postgresql', 'upgrade']) {
      const lg = resource(p, 'aws_cloudwatch_log_group', `tracking_db_${t}_logs_log_group`);
      expect(lg.name).toBe(`/aws/rds/instance/acme-dev-mlflow/${t}`);
      expect(lg.kms_key_id).toBe('${aws_kms_key.keys_logs_key.arn}');
    }
    expect(resource(p, 'aws_db_instance', 'tracking_database').depends_on).toEqual([
      'aws_cloudwatch_log_group.tracking_db_postgresql_logs_log_group', 'aws_cloudwatch_log_group.tracking_db_upgrade_logs_log_group',
    ]);
  });

  test('database security group: 5432 from the cluster security group only, no other ingress', () => {
    const sg = resource(p, 'aws_security_group', 'tracking_db_security_group');
    expect(sg.ingress).toBeUndefined();
    expect(sg.egress).toBeUndefined();
    const rules = Object.values(resources(p, 'aws_vpc_security_group_ingress_rule')).filter((r: any) => r.security_group_id.includes('tracking_db_security_group'));
    expect(rules).toEqual([expect.objectContaining({
      ip_protocol: 'tcp', from_port: 5432, to_port: 5432,
      referenced_security_group_id: '${aws_eks_cluster.cluster_cluster.vpc_config[0].cluster_security_group_id}',
    })]);
    expect((rules[0] as any).cidr_ipv4).toBeUndefined();
  });

  test('master credentials: an ExternalSecret from the RDS-managed secret, via the given store, following rotation', () => {
    const es = object(s, 'ExternalSecret', 'mlflow-db-admin', 'mlflow');
    expect(es.apiVersion).toBe('external-secrets.io/v1');
    expect(es.spec.secretStoreRef).toEqual({ name: 'aws-secrets-manager', kind: 'ClusterSecretStore' });
    expect(es.spec.refreshInterval).toBe('15m');
    const ref = '${aws_db_instance.tracking_database.master_user_secret[0].secret_arn}';
    // the workloads stack reads the secret ARN from the platform stack's output
    const output = 'cross_stack_output_aws_db_instance_tracking_database_master_user_secret_0_secret_arn';
    expect(p.output[output].value).toBe(ref);
    const remote = `\${data.terraform_remote_state.cross-stack-reference-input-platform.outputs.${output}}`;
    expect(es.spec.data).toEqual([
      { secretKey: 'username', remoteRef: { key: remote, property: 'username' } },
      { secretKey: 'password', remoteRef: { key: remote, property: 'password' } },
    ]);
    expect(es.spec.target.template).toBeUndefined();
    // the store's identity may read exactly that secret and decrypt with the experiments key
    const doc = policy(resource(p, 'aws_iam_role_policy', 'test_store_identity_role_policy').policy);
    expect(doc.Statement).toEqual([
      { Effect: 'Allow', Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'], Resource: ref },
      { Effect: 'Allow', Action: 'kms:Decrypt', Resource: '${aws_kms_key.keys_experiments_key.arn}' },
    ]);
  });

  test('server: connects as mlflow_server with IAM auth over verified TLS; no password and no secret in its environment', () => {
    const c = object(s, 'Deployment', 'mlflow', 'mlflow').spec.template.spec.containers[0];
    const env = Object.fromEntries(c.env.map((e: any) => [e.name, e.value ?? e.valueFrom]));
    expect(env.MLFLOW_BACKEND_STORE_URI).toMatch(/^postgresql:\/\/mlflow_server@\$\{[^}]+address\}:5432\/mlflow\?sslmode=verify-full&sslrootcert=\/etc\/ssl\/certs\/rds-global-bundle\.pem$/);
    expect(env.MLFLOW_RDS_IAM_AUTH).toBe('1');
    expect(c.env.filter((e: any) => e.valueFrom !== undefined)).toEqual([]);
    expect(c.envFrom).toBeUndefined();
  });

  test('database: IAM authentication, enhanced monitoring with its own role, Performance Insights with the CMK', () => {
    const db = resource(p, 'aws_db_instance', 'tracking_database');
    expect(db.iam_database_authentication_enabled).toBe(true);
    expect(db.monitoring_interval).toBe(60);
    expect(db.monitoring_role_arn).toBe('${aws_iam_role.tracking_monitoring_role_role.arn}');
    expect(db).toMatchObject({ performance_insights_enabled: true, performance_insights_kms_key_id: '${aws_kms_key.keys_experiments_key.arn}' });
    const trust = policy(resource(p, 'aws_iam_role', 'tracking_monitoring_role_role').assume_role_policy).Statement;
    expect(trust).toEqual([expect.objectContaining({ Principal: { Service: 'monitoring.rds.amazonaws.com' }, Action: 'sts:AssumeRole' })]);
    expect(Object.values(resources(p, 'aws_iam_role_policy_attachment')).filter((a: any) => a.role.includes('tracking_monitoring_role')).map((a: any) => a.policy_arn))
      .toEqual(['arn:${data.aws_partition.partition.partition}:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole']);
  });

  test('workload identity: rds-db:connect as mlflow_server on this database only, never as the master user', () => {
    const doc = policy(resource(p, 'aws_iam_role_policy', 'tracking_identity_role_policy').policy);
    const connect = doc.Statement.filter((st: any) => [].concat(st.Action).includes('rds-db:connect' as never));
    expect(connect).toEqual([{ Effect: 'Allow', Action: 'rds-db:connect', Resource: expect.stringMatching(/:rds-db:eu-west-1:.+:dbuser:\$\{aws_db_instance\.tracking_database\.resource_id\}\/mlflow_server$/) }]);
    expect(JSON.stringify(doc)).not.toMatch(/dbuser:[^"]*\/mlflow"/);
  });

  test('bootstrap: an init container creates the IAM user as the master user; only it sees the master credentials', () => {
    const spec = object(s, 'Deployment', 'mlflow', 'mlflow').spec.template.spec;
    expect(spec.initContainers).toHaveLength(1);
    const init = spec.initContainers[0];
    expect(init).toMatchObject({ name: 'db-bootstrap', image: MLFLOW_IMAGE, command: ['python', '-m', 'mlflow_rds_iam', 'bootstrap'] });
    const env = Object.fromEntries(init.env.map((e: any) => [e.name, e.value ?? e.valueFrom]));
    expect(env).toMatchObject({
      PGPORT: '5432', PGDATABASE: 'mlflow', MLFLOW_DB_IAM_USER: 'mlflow_server',
      MLFLOW_DB_ADMIN_USERNAME: { secretKeyRef: { name: 'mlflow-db-admin', key: 'username' } },
      MLFLOW_DB_ADMIN_PASSWORD: { secretKeyRef: { name: 'mlflow-db-admin', key: 'password' } },
    });
    expect(env.PGHOST).toMatch(/address\}$/);
    expect(init.securityContext).toMatchObject({ runAsNonRoot: true, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    expect(spec.volumes.map((v: any) => v.name)).toContain('tmp');
  });

  test('server: pinned image, database egress, probes on /health', () => {
    const d = object(s, 'Deployment', 'mlflow', 'mlflow');
    const c = d.spec.template.spec.containers[0];
    expect(c.image).toBe(MLFLOW_IMAGE);
    expect(c.image).toMatch(/^ghcr\.io\/mlflow\/mlflow:v\d+\.\d+\.\d+$/);
    expect(c.args.join(' ')).toContain('--artifacts-destination s3://${data.terraform_remote_state.cross-stack-reference-input-platform.outputs.cross_stack_output_aws_s3_bucket_tracking_artifact_bucket_bucket_bucket}/artifacts');
    expect(c.command).toEqual(['mlflow', 'server']);
    expect(c.readinessProbe.httpGet.path).toBe('/health');
    expect(c.securityContext.readOnlyRootFilesystem).toBe(true);
    expect(object(s, 'NetworkPolicy', 'mlflow-egress', 'mlflow').spec.egress).toEqual([{ to: [{ ipBlock: { cidr: '10.0.0.0/16' } }], ports: [{ protocol: 'TCP', port: 5432 }] }]);
  });

  test('server: PDB, HPA and a NetworkPolicy admitting only the declared clients', () => {
    expect(object(s, 'PodDisruptionBudget', 'mlflow', 'mlflow').spec.maxUnavailable).toBe(1);
    expect(object(s, 'HorizontalPodAutoscaler', 'mlflow', 'mlflow').spec.minReplicas).toBe(2);
    expect(object(s, 'NetworkPolicy', 'mlflow-ingress', 'mlflow').spec.ingress).toEqual([{
      from: [
        { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'training' } } },
        { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'pipelines' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'retrain' } } },
      ],
      ports: [{ protocol: 'TCP', port: 5000 }],
    }]);
  });

  test('artifact bucket: SecureBucket with the experiments CMK and access logs', () => {
    const enc = resource(p, 'aws_s3_bucket_server_side_encryption_configuration', 'tracking_artifact_bucket_encryption');
    expect(enc.rule[0].apply_server_side_encryption_by_default).toEqual({ sse_algorithm: 'aws:kms', kms_master_key_id: '${aws_kms_key.keys_experiments_key.arn}' });
    expect(resource(p, 'aws_s3_bucket_logging', 'tracking_artifact_bucket_access_logging').target_bucket).toBe('${aws_s3_bucket.tracking_access_log_bucket_bucket.id}');
    expect(resource(p, 'aws_s3_bucket', 'tracking_artifact_bucket_bucket').lifecycle).toEqual({ prevent_destroy: true });
  });

  test('workload identity: bound to mlflow/mlflow, limited to the artifact prefix of its bucket', () => {
    expect(resource(p, 'aws_eks_pod_identity_association', 'tracking_identity_association')).toMatchObject({ namespace: 'mlflow', service_account: 'mlflow' });
    const doc = policy(resource(p, 'aws_iam_role_policy', 'tracking_identity_role_policy').policy);
    const bucket = '${aws_s3_bucket.tracking_artifact_bucket_bucket.arn}';
    const key = '${aws_kms_key.keys_experiments_key.arn}';
    const res = doc.Statement.flatMap((st: any) => [].concat(st.Resource));
    expect(new Set(res.filter((r: string) => !r.includes(':rds-db:')))).toEqual(new Set([`${bucket}/artifacts/*`, bucket, key]));
    const actions = doc.Statement.flatMap((st: any) => [].concat(st.Action));
    expect(actions).toEqual(expect.arrayContaining(['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:ListBucket']));
    expect(actions).not.toContain('s3:DeleteBucket');
    expect(actions).not.toContain('s3:PutBucketPolicy');
    expect(actions.some((a: string) => a.startsWith('secretsmanager:') || a.startsWith('rds:'))).toBe(false);
    expect(doc.Statement.find((st: any) => st.Action === 's3:ListBucket' || (Array.isArray(st.Action) && st.Action.includes('s3:ListBucket'))).Condition)
      .toEqual({ StringLike: { 's3:prefix': ['artifacts/*'] } });
  });

  test('no password, token or key material anywhere in the output', () => {
    expect(secretFindings(allText(s))).toEqual([]);
  });
});

describe('ExperimentTracking (dev profile, the cluster\'s own secret store)', () => {
  test('single-AZ, no deletion protection, backups of the profile, 1 replica; the operator may read the secret', () => {
    const s = synthesize((app) => {
      const { stack, cluster } = testCluster(app);
      new ExperimentTracking(stack, 'tracking', { cluster, secretStore: cluster.secretStore });
    });
    const db = resource(s.stacks.platform, 'aws_db_instance', 'tracking_database');
    expect(db).toMatchObject({ multi_az: false, deletion_protection: false, backup_retention_period: 7, skip_final_snapshot: false });
    expect(db.lifecycle).toBeUndefined();
    expect(object(s, 'HorizontalPodAutoscaler', 'mlflow', 'mlflow').spec.minReplicas).toBe(1);
    expect(object(s, 'NetworkPolicy', 'mlflow-ingress', 'mlflow').spec.ingress).toEqual([]);
    const eso = Object.entries(resources(s.stacks.platform, 'aws_iam_role_policy')).find(([k]) => k.startsWith('cluster_external_secrets'));
    expect(eso).toBeDefined();
    expect(policy((eso![1] as any).policy).Statement).toContainEqual({
      Effect: 'Allow', Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'], Resource: '${aws_db_instance.tracking_database.master_user_secret[0].secret_arn}',
    });
    expect(danglingReferences(s)).toEqual([]);
    expect(schemaViolations(allObjects(s))).toEqual([]);
    expect(secretFindings(allText(s))).toEqual([]);
  });
});

describe('images/mlflow/mlflow_rds_iam.py (IAM token hook and bootstrap, against stand-ins)', () => {
  const python = ['python3', 'python'].find((x) => spawnSync(x, ['--version']).status === 0);
  (python ? test : test.skip)('fresh token per connection, verified TLS, idempotent bootstrap', () => {
    const out = execFileSync(python!, [path.join(__dirname, 'scripts', 'check_mlflow_rds_iam.py')], { encoding: 'utf8' });
    expect(out).toMatch(/^9 passed, 0 failed$/m);
  });
  test('the image installs the hook, its .pth loader and the RDS CA bundle', () => {
    const dockerfile = fs.readFileSync(path.join(__dirname, '..', '..', 'images', 'mlflow', 'Dockerfile'), 'utf8');
    expect(dockerfile).toContain('https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem');
    expect(dockerfile).toContain('cp /tmp/mlflow_rds_iam/mlflow_rds_iam.py /tmp/mlflow_rds_iam/mlflow_rds_iam.pth "$site/"');
    expect(fs.readFileSync(path.join(__dirname, '..', '..', 'images', 'mlflow', 'mlflow_rds_iam.pth'), 'utf8').trim()).toBe('import mlflow_rds_iam');
  });
});

describe('secret scan', () => {
  test.each([
    ['"password": "hunter2hunter2"'],
    ['postgresql://mlflow:s3cr3t@db.example:5432/mlflow'],
    ['AKIAIOSFODNN7EXAMPLE'],
    ['-----BEGIN RSA PRIVATE KEY-----'],
    ['DB_PASSWORD=Sup3rSecret!'],
  ])('detects %s', (text) => {
    expect(secretFindings(text)).not.toEqual([]);
  });
  test('accepts templates and references', () => {
    expect(secretFindings('postgresql://{{ .username | urlquery }}:{{ .password | urlquery }}@host:5432/db "property":"password"')).toEqual([]);
  });
});

describe('ExperimentTracking invalid input', () => {
  const attempt = (profile: 'dev' | 'prod', extra: Partial<ExperimentTrackingProps>) => () => build(new App(), profile, extra);
  test('backup retention below the profile minimum', () => {
    expect(attempt('prod', { backupRetentionDays: 7 })).toThrow(
      /^\[platform\/tracking\] backupRetentionDays 7 is below the prod profile's minimum of 14\. Fix: set backupRetentionDays to at least 14 \(at most 35\)\.$/);
  });
  test('backup retention over the RDS maximum', () => {
    expect(attempt('dev', { backupRetentionDays: 40 })).toThrow(/^\[platform\/tracking\] backupRetentionDays 40 is over the RDS maximum of 35\./);
  });
  test('storage below the gp3 minimum', () => {
    expect(attempt('dev', { allocatedStorageGiB: 10 })).toThrow(/^\[platform\/tracking\] allocatedStorageGiB 10 is outside 20-65536\./);
  });
  test('mutable image tag', () => {
    expect(attempt('dev', { image: 'ghcr.io/mlflow/mlflow:latest' })).toThrow(/^\[platform\/tracking\/server\] image "ghcr\.io\/mlflow\/mlflow:latest" uses the mutable tag "latest"\./);
  });
  test('an enhanced monitoring interval RDS does not offer', () => {
    expect(attempt('dev', { monitoringIntervalSeconds: 20 })).toThrow(/^\[platform\/tracking\] monitoringIntervalSeconds 20 is not an RDS enhanced monitoring interval\. Fix: use one of 1, 5, 10, 15, 30, 60\.$/);
  });
  test('namespace that is not a DNS label', () => {
    expect(attempt('dev', { namespace: 'ML_flow' })).toThrow(/^\[platform\/tracking\] Kubernetes namespace name "ML_flow" is not allowed/);
  });
});
