import { App } from 'cdktf';
import { AcmePlatform } from '../../examples/company-stack/acme-platform';
import { ACME_OTEL_IMAGE } from '../../examples/company-stack/acme-model-service';
import { allObjects, danglingReferences, object, resource, resources, schemaViolations, synthesize, Synthesized, scratchOutdir } from '../support/synth';

const CHURN = { name: 'churn', modelVersion: '3', image: '111122223333.dkr.ecr.eu-central-1.amazonaws.com/acme-ml-prod/models/churn:3.0.2', team: 'growth', costCenter: 'cc-4711', artifactsProducedBy: 'the churn training pipeline of the growth team' };

describe('company stack: AcmePlatform and AcmeModelService', () => {
  let s: Synthesized;
  beforeAll(() => {
    s = synthesize((app) => {
      const platform = new AcmePlatform(app, 'acme-ml-prod', { environment: 'prod', costCenter: 'cc-4711', containerRegistry: { accountId: '111122223333', models: ['churn'], platformImages: ['aws-otel-collector'] } });
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
    expect(Object.keys(s.stacks).sort()).toEqual(['acme-ml-prod-addons', 'acme-ml-prod-platform', 'acme-ml-prod-workloads']);
    expect(s.stacks['acme-ml-prod-addons'].terraform.backend.s3).toMatchObject({ bucket: 'acme-terraform-state-prod', key: 'acme-ml/acme-ml-prod-addons.tfstate', use_lockfile: true });
  });

  test('Acme model pods carry the mandatory labels and the telemetry sidecar, under the same restrictions', () => {
    const d = object(s, 'Deployment', 'churn', 'serving');
    expect(d.spec.template.metadata.labels).toMatchObject({ 'acme.example/team': 'growth', 'acme.example/cost-center': 'cc-4711', 'acme.example/telemetry': 'otel' });
    const [main, sidecar] = d.spec.template.spec.containers;
    expect(main.image).toBe(CHURN.image);
    // The collector runs from the platform registry's mirror of ACME_OTEL_IMAGE (same tag), which CI pushes.
    expect(sidecar).toMatchObject({ name: 'otel-collector', image: `111122223333.dkr.ecr.eu-central-1.amazonaws.com/acme-ml-prod/platform/${ACME_OTEL_IMAGE.split('/').pop()}` });
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

describe('company stack: an added AcmeModelService gets the platform\'s cross-cutting wiring', () => {
  const PROM = 'http://kube-prometheus-stack-prometheus.monitoring.svc.cluster.local:9090';
  let s: Synthesized;
  beforeAll(() => {
    s = synthesize((app) => {
      const platform = new AcmePlatform(app, 'acme-ml-prod', { environment: 'prod', costCenter: 'cc-4711', containerRegistry: { accountId: '111122223333', models: ['churn', 'upsell'], platformImages: ['aws-otel-collector'] }, observability: { models: { churn: { latencyP95Seconds: 0.15 } } } });
      platform.addModel(CHURN);
      platform.addModel({
        name: 'upsell', modelVersion: '1', image: '111122223333.dkr.ecr.eu-central-1.amazonaws.com/acme-ml-prod/models/upsell:1.0.0', team: 'growth', costCenter: 'cc-4711', critical: false, artifactsProducedBy: 'the upsell training pipeline of the growth team',
        autoscaling: { scaleToZero: true, targetRequestsPerSecond: 20, prometheusAddress: PROM, activationQuery: 'sum(rate(gateway_requests_total{route="upsell"}[2m]))' },
        release: { strategy: 'canary', prometheusAddress: PROM },
      });
    });
  });

  test('references resolve and every object passes the upstream schemas', () => {
    expect(danglingReferences(s)).toEqual([]);
    expect(schemaViolations(allObjects(s))).toEqual([]);
  });

  test('each added model gets CloudWatch alarms to the alert topic and a dashboard with widgets', () => {
    const p = s.stacks['acme-ml-prod-platform'];
    for (const model of ['churn', 'upsell']) {
      const alarms = Object.entries(resources(p, 'aws_cloudwatch_metric_alarm')).filter(([id]) => id.startsWith(`observability_${model}_`)).map(([, a]) => a);
      expect(alarms.map((a) => a.alarm_name).sort()).toEqual(['cpu-saturation', 'error-rate', 'latency-p95', 'latency-p99', 'memory-saturation'].map((k) => `acme-ml-prod-${model}-${k}`));
      for (const a of alarms) expect(a.alarm_actions).toEqual(['${aws_sns_topic.alerts_topic.arn}']);
      const dashboard = resource(p, 'aws_cloudwatch_dashboard', `observability_${model}_dashboard`);
      expect(dashboard.dashboard_name).toBe(`acme-ml-prod-${model}`);
      expect(JSON.parse(dashboard.dashboard_body).widgets.length).toBeGreaterThan(0);
    }
  });

  test('observability.models options apply to an added model', () => {
    const rule = object(s, 'PrometheusRule', 'churn', 'serving');
    expect(JSON.stringify(rule.spec)).toContain('0.15');
  });

  test('each added model gets its ServiceMonitor, PrometheusRule and the NetworkPolicy that admits the scrape', () => {
    for (const model of ['churn', 'upsell']) {
      expect(object(s, 'ServiceMonitor', model, 'serving').spec.selector.matchLabels).toMatchObject({ 'app.kubernetes.io/name': model });
      expect(object(s, 'PrometheusRule', model, 'serving').spec.groups[0].name).toBe(`${model}.rules`);
      expect(object(s, 'NetworkPolicy', `${model}-prometheus-scrape`, 'serving').spec.podSelector.matchLabels).toMatchObject({ 'app.kubernetes.io/name': model });
    }
  });

  test('KEDA and Argo Rollouts are installed for an added model that scales to zero and declares a release', () => {
    const p = s.stacks['acme-ml-prod-addons'];
    const charts = Object.values(resources(p, 'helm_release')).map((r: any) => r.chart);
    expect(charts).toEqual(expect.arrayContaining(['keda', 'argo-rollouts']));
    expect(object(s, 'ScaledObject', 'upsell', 'serving').spec.scaleTargetRef).toMatchObject({ kind: 'Rollout', name: 'upsell' });
    expect(object(s, 'Rollout', 'upsell', 'serving')).toBeDefined();
  });

  test('observability.models naming no model in the tree is a clear error at synth', () => {
    const app = new App({ outdir: scratchOutdir() });
    const platform = new AcmePlatform(app, 'acme-ml-dev', { environment: 'dev', costCenter: 'cc-0001', observability: { models: { nope: {} } } });
    platform.addModel(CHURN);
    expect(() => app.synth()).toThrow('[acme-ml-dev] observability.models names "nope", which is not a serving model. Fix: use one of churn.');
  });
});
