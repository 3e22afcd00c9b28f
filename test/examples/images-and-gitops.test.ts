import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { load, loadAll } from 'js-yaml';
import { createReferencePlatform } from '../../examples/enterprise-platform/platform';
import { fillPlatformValues } from '../../lib/core/gitops-yaml';
import { allObjects, danglingReferences, resources, schemaViolations, synthesize, Synthesized, TfJson } from '../support/synth';

const ECR_HOST = '111122223333.dkr.ecr.eu-west-1.amazonaws.com';
const DIGEST = /@sha256:[a-f0-9]{64}$/;

/** Every `image` of every container and init container in `value` (pod specs, job templates, anything). */
function containerImages(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((v) => containerImages(v, out));
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if ((k === 'containers' || k === 'initContainers') && Array.isArray(v)) for (const c of v) out.push(c.image);
      containerImages(v, out);
    }
  }
  return out;
}

/** Images named in text (Step Functions definitions, model package specifications written by scripts). */
function textImages(text: string): string[] {
  return [...text.matchAll(/\\*"(?:image|Image)\\*"\s*:\s*\\*"([^"\\]+)/g)].map((m) => m[1]);
}

/** The repository names the role's inline policy may push to (ecr:PutImage), from the synthesized policy. */
function pushableRepositories(platform: TfJson, roleName: RegExp): string[] {
  const roles = resources(platform, 'aws_iam_role');
  const roleId = Object.keys(roles).find((id) => roleName.test(roles[id].name))!;
  const repos = resources(platform, 'aws_ecr_repository');
  const out: string[] = [];
  for (const p of Object.values(resources(platform, 'aws_iam_role_policy'))) {
    if (p.role !== `\${aws_iam_role.${roleId}.name}` && p.role !== `\${aws_iam_role.${roleId}.id}`) continue;
    for (const st of JSON.parse(p.policy).Statement) {
      const actions = [st.Action].flat();
      if (st.Effect !== 'Allow' || !actions.includes('ecr:PutImage')) continue;
      for (const r of [st.Resource].flat()) {
        const m = /^\$\{aws_ecr_repository\.([a-z0-9_]+)\.arn\}$/.exec(r);
        if (m) out.push(repos[m[1]].name);
      }
    }
  }
  return out;
}

describe('the reference platform: CI can push every image that runs', () => {
  let s: Synthesized;
  let platform: TfJson;
  let images: string[];
  beforeAll(() => {
    s = synthesize((app) => createReferencePlatform(app));
    platform = s.stacks['mlops-prod-platform'];
    images = [
      ...allObjects(s).flatMap((o) => containerImages(o)),
      ...allObjects(s).flatMap((o) => textImages(JSON.stringify(o))),
      ...Object.values(resources(platform, 'aws_sfn_state_machine')).flatMap((m: any) => textImages(String(m.definition))),
    ];
  });

  test('references resolve and the objects pass the upstream schemas', () => {
    expect(danglingReferences(s)).toEqual([]);
    expect(schemaViolations(allObjects(s))).toEqual([]);
  });

  test('the images of every workload are found: models, training, batch, drift, feature store, MLflow, model package', () => {
    const repos = new Set(images.map((i) => i.replace(DIGEST, '').replace(/:[^:/]+$/, '')));
    expect([...repos].sort()).toEqual([
      'fraud-batch', 'fraud-explainer', 'fraud-train', 'fraud',
    ].map((m) => `${ECR_HOST}/acme-mlops-prod/models/${m}`).concat(
      ['aws-cli', 'feature-server', 'mlflow', 'node'].map((p) => `${ECR_HOST}/acme-mlops-prod/platform/${p}`),
    ).sort());
  });

  test('every image is in a repository of the platform stack that the CI image-push role may push to (or is pinned by digest)', () => {
    const pushable = new Set(pushableRepositories(platform, /-ci-image-push$/));
    const unpushable = images.filter((i) => {
      if (DIGEST.test(i)) return false;
      const m = new RegExp(`^${ECR_HOST.replace(/\./g, '\\.')}/([^:@]+):[^:/]+$`).exec(i);
      return !m || !pushable.has(m[1]);
    });
    expect(unpushable).toEqual([]);
  });

  test('those repositories keep tags immutable, scan on push and are encrypted with the images key', () => {
    for (const r of Object.values(resources(platform, 'aws_ecr_repository')) as any[]) {
      expect(r).toMatchObject({ image_tag_mutability: 'IMMUTABLE', image_scanning_configuration: { scan_on_push: true } });
      expect(r.encryption_configuration[0]).toEqual({ encryption_type: 'KMS', kms_key: '${aws_kms_key.keys_images_key.arn}' });
    }
  });

  test('the node role pulls exactly those repositories and may not push', () => {
    const policy = JSON.parse(resources(platform, 'aws_iam_role_policy').cluster_node_role_policy.policy);
    const ecr = policy.Statement.filter((st: any) => [st.Action].flat().some((a: string) => a.startsWith('ecr:Batch')));
    expect(ecr).toHaveLength(1);
    expect(ecr[0].Resource).toHaveLength(Object.keys(resources(platform, 'aws_ecr_repository')).length);
    expect(JSON.stringify(policy)).not.toContain('ecr:PutImage');
    expect(pushableRepositories(platform, /-eks-node$/)).toEqual([]);
  });
});

describe('the reference platform: the YAML written for GitOps can be applied', () => {
  let s: Synthesized;
  let dir: string;
  let values: { deployTime: any[]; resolved: any[] };
  let docs: Array<{ file: string; doc: any; text: string }>;
  beforeAll(() => {
    s = synthesize((app) => createReferencePlatform(app));
    dir = path.join(s.outdir, 'manifests', 'mlops-prod-workloads');
    values = load(fs.readFileSync(`${dir}.platform-values.yaml`, 'utf8')) as any;
    // kubectl apply -f <dir> (and a GitOps tool reading the directory) sees Kubernetes objects only.
    expect(fs.readdirSync(dir).filter((f) => !f.endsWith('.k8s.yaml'))).toEqual([]);
    docs = fs.readdirSync(dir).filter((f) => f.endsWith('.k8s.yaml')).flatMap((file) => {
      return (loadAll(fs.readFileSync(path.join(dir, file), 'utf8')) as any[]).map((doc) => ({ file, doc, text: JSON.stringify(doc) }));
    });
  });

  test('no Terraform expression is left in any YAML file', () => {
    const all = docs.map((d) => d.text).join('\n');
    expect(all).not.toMatch(/\$\{(data|var|local|module|aws_[a-z0-9_]+)\./);
    expect(all).not.toContain('terraform_remote_state');
    expect(all).not.toContain('TfToken');
    // The only `${` left is script text in ConfigMap data (JavaScript template literals of the drift job).
    const withDollarBrace = docs.filter((d) => d.text.includes('${'));
    expect(withDollarBrace.map((d) => `${d.doc.kind}/${d.doc.metadata.name}`)).toEqual(['ConfigMap/drift-fraud']);
    expect(JSON.stringify(withDollarBrace[0].doc.metadata)).not.toContain('${');
  });

  test('names known at synth are resolved: lake buckets, the Glue database, the MLflow artifact bucket, the model package group', () => {
    expect(values.resolved.map((v) => [v.expression, v.value])).toEqual([
      ['aws_glue_catalog_database.data_lake_features_database.name', 'acme_mlops_prod_lake_features'],
      ['aws_s3_bucket.data_lake_curated_bucket_bucket.bucket', 'acme-mlops-prod-lake-curated'],
      ['aws_s3_bucket.data_lake_features_bucket_bucket.bucket', 'acme-mlops-prod-lake-features'],
      ['aws_s3_bucket.data_lake_raw_bucket_bucket.bucket', 'acme-mlops-prod-lake-raw'],
      ['aws_s3_bucket.experiment_tracking_artifact_bucket_bucket.bucket', 'acme-mlops-prod-mlflow-artifacts'],
      ['aws_sagemaker_model_package_group.model_registry_fraud.model_package_group_name', 'acme-mlops-prod-fraud'],
    ]);
    const deployment = docs.find((d) => d.doc.kind === 'Deployment' && d.doc.metadata.name === 'fraud')!.doc;
    expect(JSON.stringify(deployment)).toContain('s3://acme-mlops-prod-lake-curated/');
  });

  test('deploy-time values are placeholders, each listed with the stack output that fills it', () => {
    expect(values.deployTime.map((v) => [v.expression, v.stack, v.output])).toEqual([
      ['aws_db_instance.experiment_tracking_database.address', 'mlops-prod-platform', 'cross_stack_output_aws_db_instance_experiment_tracking_database_address'],
      ['aws_db_instance.experiment_tracking_database.master_user_secret[0].secret_arn', 'mlops-prod-platform', 'cross_stack_output_aws_db_instance_experiment_tracking_database_master_user_secret_0_secret_arn'],
      ['aws_sqs_queue.retraining_fraud_retrain_queue.url', 'mlops-prod-platform', 'cross_stack_output_aws_sqs_queue_retraining_fraud_retrain_queue_url'],
    ]);
    for (const v of values.deployTime) {
      expect(v.placeholder).toBe(`((${v.stack}:${v.output}))`);
      expect(Object.keys(platformOutputs(s))).toContain(v.output);
    }
    const all = docs.map((d) => d.text).join('\n');
    const used = new Set([...all.matchAll(/\(\([A-Za-z0-9_.-]+:[A-Za-z0-9_-]+\)\)/g)].map((m) => m[0]));
    expect([...used].sort()).toEqual(values.deployTime.map((v) => v.placeholder).sort());
  });

  test('every value replaced in the YAML is listed, where it is used: the YAML is the applied objects with those values', () => {
    const byOutput = new Map([...values.deployTime, ...values.resolved].map((v) => [v.output, v.value ?? v.placeholder]));
    const key = (o: any) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
    const written = new Map(docs.map((d) => [key(d.doc), d.doc]));
    const applied = allObjects(s);
    expect(written.size).toBe(applied.length);
    for (const o of applied) {
      const text = JSON.stringify(o).replace(/\$\{data\.terraform_remote_state\.[A-Za-z0-9_-]+\.outputs\.([A-Za-z0-9_-]+)\}/g, (_, out) => byOutput.get(out)!);
      expect(written.get(key(o))).toEqual(JSON.parse(text));
    }
    for (const v of [...values.deployTime, ...values.resolved]) {
      for (const where of v.usedBy) {
        const [file, rest] = where.split(': ');
        const [, kind, name] = /^\S+ (\S+) (\S+)$/.exec(rest)!;
        const d = docs.find((x) => x.file === file && x.doc.kind === kind && `${x.doc.metadata.namespace}/${x.doc.metadata.name}` === name)!;
        expect(d.text).toContain(v.value ?? v.placeholder);
      }
    }
  });

  test('filling the placeholders from terraform output gives schema-valid objects without placeholders', () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'gitops-filled-'));
    const outputs = Object.fromEntries(values.deployTime.map((v) => [v.output, { value: `filled-${v.output.length}`, sensitive: true }]));
    expect(fillPlatformValues(dir, out, () => outputs)).toEqual(['cluster.k8s.yaml', 'fraud.k8s.yaml', 'mlops-system.k8s.yaml', 'serving.k8s.yaml']);
    const filled = fs.readdirSync(out).flatMap((f) => loadAll(fs.readFileSync(path.join(out, f), 'utf8')) as any[]);
    expect(JSON.stringify(filled)).not.toMatch(/\(\([A-Za-z0-9_.-]+:[A-Za-z0-9_-]+\)\)/);
    expect(schemaViolations(filled)).toEqual([]);
    const mlflow = filled.find((o) => o.kind === 'Deployment' && o.metadata.name === 'mlflow');
    const uri = mlflow.spec.template.spec.containers[0].env.find((e: any) => e.name === 'MLFLOW_BACKEND_STORE_URI').value;
    expect(uri).toContain(`@filled-${values.deployTime[0].output.length}:5432/`);
    expect(() => fillPlatformValues(dir, out, () => ({}))).toThrow(/^stack mlops-prod-platform has no string output cross_stack_output_aws_db_instance_experiment_tracking_database_address/);
  });
});

function platformOutputs(s: Synthesized): Record<string, unknown> {
  return s.stacks['mlops-prod-platform'].output;
}
