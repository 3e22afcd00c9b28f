import { App } from 'cdktf';
import { AcmePlatform } from '../../examples/company-stack/acme-platform';
import { ACME_OTEL_IMAGE } from '../../examples/company-stack/acme-model-service';
import { allObjects, danglingReferences, object, resource, schemaViolations, synthesize, Synthesized } from '../support/synth';

const CHURN = { name: 'churn', modelVersion: '3', image: '111122223333.dkr.ecr.eu-central-1.amazonaws.com/acme-ml-prod/models/churn:3.0.2', team: 'growth', costCenter: 'cc-4711' };

describe('company stack: AcmePlatform and AcmeModelService', () => {
  let s: Synthesized;
  beforeAll(() => {
    s = synthesize((app) => {
      const platform = new AcmePlatform(app, 'acme-ml-prod', { environment: 'prod', costCenter: 'cc-4711', containerRegistry: { accountId: '111122223333', models: ['churn'] } });
      platform.addModel(CHURN);
    });
  });

  test('references resolve and every object passes the upstream schemas', () => {
    expect(danglingReferences(s)).toEqual([]);
    expect(schemaViolations(allObjects(s))).toEqual([]);
  });

  test('Acme defaults: region, state bucket, tags, longer log retention', () => {
    const p = s.stacks['acme-ml-prod-platform'];
    expect(p.provider.aws[0].region).toBe('eu-central-1');
    expect(p.provider.aws[0].default_tags[0].tags).toMatchObject({ 'cost-center': 'cc-4711', team: 'ml-platform', environment: 'prod' });
    expect(p.terraform.backend.s3).toMatchObject({ bucket: 'acme-terraform-state-prod', key: 'acme-ml/acme-ml-prod-platform.tfstate', use_lockfile: true });
    expect(resource(p, 'aws_cloudwatch_log_group', 'network_flow_logs_log_group').retention_in_days).toBe(731);
  });

  test('Acme model pods carry the mandatory labels and the telemetry sidecar, under the same restrictions', () => {
    const d = object(s, 'Deployment', 'churn', 'serving');
    expect(d.spec.template.metadata.labels).toMatchObject({ 'acme.example/team': 'growth', 'acme.example/cost-center': 'cc-4711', 'acme.example/telemetry': 'otel' });
    const [main, sidecar] = d.spec.template.spec.containers;
    expect(main.image).toBe(CHURN.image);
    expect(sidecar).toMatchObject({ name: 'otel-collector', image: ACME_OTEL_IMAGE });
    expect(sidecar.securityContext).toMatchObject({ runAsNonRoot: true, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    expect(sidecar.resources.limits).toEqual({ cpu: '200m', memory: '256Mi' });
  });

  test('stricter limits and Acme ids are enforced with clear errors', () => {
    const platform = () => new AcmePlatform(new App({ outdir: '/tmp/cdktf-mlops-bad' }), 'acme-ml-dev', { environment: 'dev', costCenter: 'cc-0001' });
    expect(() => platform().addModel({ ...CHURN, resources: { cpu: '8', memory: '32Gi' } }))
      .toThrow(/^\[acme-ml-dev\/acme-ml-dev-platform\/acme_model_churn\] model "churn" asks for 8000m CPU and 32768Mi memory; Acme allows at most 4000m and 8192Mi per CPU model pod\. Fix: lower resources/);
    expect(() => platform().addModel({ ...CHURN, costCenter: '4711' })).toThrow(/costCenter "4711" is not an Acme cost center\. Fix: use the form cc-1234\./);
    expect(() => new AcmePlatform(new App({ outdir: '/tmp/cdktf-mlops-bad' }), 'x', { environment: 'dev', costCenter: 'cc-1', tags: { 'data-classification': 'secret' } }))
      .toThrow(/tag "data-classification" is "secret", which is not a known classification/);
  });
});
