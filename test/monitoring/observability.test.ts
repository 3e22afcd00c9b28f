import { App } from 'cdktf';
import { allObjects, danglingReferences, object, policy, resource, resources, schemaViolations, synthesize, Synthesized, unescapeTemplates } from '../support/synth';
import { testCluster } from '../support/fixtures';
import { GpuNodePool } from '../../lib/compute/gpu-node-pool';
import { ServiceWorkload } from '../../lib/core/service-workload';
import { AlertTopic } from '../../lib/monitoring/alert-topic';
import { Observability } from '../../lib/monitoring/observability';
import { IMonitoredService, monitoredWorkload } from '../../lib/monitoring/monitored-service';
import { ModelMonitoringOptions } from '../../lib/monitoring/model-monitoring';
import { ADDON_CHARTS as MONITORING_CHARTS } from '../../lib/compute/addon-versions';

/** A ServiceWorkload seen as a monitored model service (what ModelService provides). */
const monitored = (w: ServiceWorkload, gpu = false): IMonitoredService => monitoredWorkload(w, { gpu });

const IMAGE = 'acme/model:1.0.0';
const TOPIC = '${aws_sns_topic.alerts_topic.arn}';

describe('Observability', () => {
  let s: Synthesized;
  let p: any;
  let a: any;
  beforeAll(() => {
    s = synthesize((app) => {
      const { stack, cluster } = testCluster(app);
      const pool = new GpuNodePool(cluster, 'gpu_serving', { cluster, poolName: 'serving', maxSize: 2 });
      const alerts = new AlertTopic(stack, 'alerts', { emails: ['ml-oncall@acme.example'] });
      const obs = new Observability(stack, 'observability', { cluster, alertTopic: alerts });
      const churn = new ServiceWorkload(stack, 'churn', { workloads: cluster.workloads, namespace: 'models', name: 'churn', image: IMAGE, port: 8080 });
      const llm = new ServiceWorkload(stack, 'llm', { workloads: cluster.workloads, namespace: 'models', name: 'llm', image: IMAGE, port: 8000,
        gpu: { count: 1, tolerations: pool.tolerations, nodeSelector: pool.nodeSelector } });
      obs.monitorService(monitored(churn), {
        latencyP95Seconds: 0.3, latencyP99Seconds: 0.8, errorRate: 0.02,
        kpis: [{ title: 'Churn saves', namespace: 'Acme/Retention', metric: 'SavedCustomers', dimensions: { Region: 'eu' }, stat: 'Sum' }],
      });
      obs.monitorService(monitored(llm, true), { prometheusMetrics: { latencyHistogram: 'vllm:e2e_request_latency_seconds' } });
    });
    p = s.stacks.platform;
    a = s.stacks['platform-addons'];
  });

  test('references resolve and every Kubernetes object matches the upstream schemas', () => {
    expect(danglingReferences(s)).toEqual([]);
    expect(schemaViolations(allObjects(s))).toEqual([]);
  });

  test('Container Insights log groups are pre-created with the logs key and the profile retention', () => {
    for (const kind of ['application', 'dataplane', 'host', 'performance']) {
      expect(resource(p, 'aws_cloudwatch_log_group', `observability_container_insights_${kind}_log_group`)).toMatchObject({
        name: `/aws/containerinsights/acme-dev/${kind}`, retention_in_days: 30, kms_key_id: '${aws_kms_key.keys_logs_key.arn}',
      });
    }
  });

  test('the CloudWatch observability add-on: Pod Identity for cloudwatch-agent, enhanced Container Insights, EMF, after the log groups', () => {
    const addon = resource(p, 'aws_eks_addon', 'observability_cloudwatch_observability_addon');
    expect(addon.addon_name).toBe('amazon-cloudwatch-observability');
    expect(addon.pod_identity_association).toEqual([{ role_arn: '${aws_iam_role.observability_cloudwatch_agent_identity_role_role.arn}', service_account: 'cloudwatch-agent' }]);
    expect(JSON.parse(addon.configuration_values)).toEqual({
      agent: { config: { logs: { metrics_collected: { kubernetes: { enhanced_container_insights: true }, emf: {} } } } },
      containerLogs: { enabled: true },
    });
    for (const kind of ['application', 'dataplane', 'host', 'performance']) {
      expect(addon.depends_on).toContain(`aws_cloudwatch_log_group.observability_container_insights_${kind}_log_group`);
    }
    expect(addon.depends_on).toContain('aws_eks_node_group.cluster_system_node_group');
  });

  test('the agent role has CloudWatchAgentServerPolicy and trusts only its service account', () => {
    const attachments = Object.values(resources(p, 'aws_iam_role_policy_attachment')).filter((a: any) => a.role === '${aws_iam_role.observability_cloudwatch_agent_identity_role_role.name}');
    expect(attachments.map((a: any) => a.policy_arn)).toEqual(['arn:${data.aws_partition.partition.partition}:iam::aws:policy/CloudWatchAgentServerPolicy']);
    const trust = JSON.stringify(policy(resource(p, 'aws_iam_role', 'observability_cloudwatch_agent_identity_role_role').assume_role_policy));
    expect(trust).toContain('pods.eks.amazonaws.com');
    expect(trust).toContain('cloudwatch-agent');
    expect(trust).toContain('amazon-cloudwatch');
  });

  test('kube-prometheus-stack at its pinned version selects every ServiceMonitor and rule, on system nodes', () => {
    const r = resource(a, 'helm_release', 'kube_prometheus_stack');
    expect(r).toMatchObject({ chart: 'kube-prometheus-stack', repository: 'https://prometheus-community.github.io/helm-charts', version: MONITORING_CHARTS['kube-prometheus-stack'].version, namespace: 'monitoring', atomic: true });
    const v = JSON.parse(r.values[0]);
    expect(v.prometheus.prometheusSpec).toMatchObject({ serviceMonitorSelectorNilUsesHelmValues: false, ruleSelectorNilUsesHelmValues: false, nodeSelector: { 'mlops.cdktf.io/pool': 'system' } });
    expect(v.crds).toEqual({ enabled: true });
    expect(v.prometheus.prometheusSpec.retention).toBe('15d');
  });

  test('no scrape job or alert for what EKS does not expose: controller-manager, scheduler, etcd, kube-proxy (127.0.0.1 metrics)', () => {
    const v = JSON.parse(resource(a, 'helm_release', 'kube_prometheus_stack').values[0]);
    for (const c of ['kubeControllerManager', 'kubeScheduler', 'kubeEtcd', 'kubeProxy']) expect(v[c]).toEqual({ enabled: false });
    expect(v.defaultRules.rules).toEqual({ etcd: false, kubeControllerManager: false, kubeSchedulerAlerting: false, kubeSchedulerRecording: false, kubeProxy: false });
    // What EKS does expose stays scraped (the chart defaults): the API server, kubelets, CoreDNS.
    for (const c of ['kubeApiServer', 'kubelet', 'coreDns']) expect(v[c]).toBeUndefined();
  });

  test('Prometheus alerts reach the alert topic: Alertmanager routes to SNS with its own identity, allowed to publish there only', () => {
    const v = JSON.parse(resource(a, 'helm_release', 'kube_prometheus_stack').values[0]);
    expect(v.alertmanager).toMatchObject({ enabled: true, serviceAccount: { create: true, name: 'alertmanager' } });
    expect(v.alertmanager.config.route.receiver).toBe('alert-topic');
    expect(v.alertmanager.config.receivers[1].sns_configs[0]).toMatchObject({ topic_arn: '${data.terraform_remote_state.cross-stack-reference-input-platform.outputs.cross_stack_output_aws_sns_topic_alerts_topic_arn}', sigv4: { region: 'eu-west-1' }, send_resolved: true });
    expect(resource(p, 'aws_eks_pod_identity_association', 'observability_kube_prometheus_stack_identity_association'))
      .toMatchObject({ namespace: 'monitoring', service_account: 'alertmanager' });
    const grants = policy(resource(p, 'aws_iam_role_policy', 'observability_kube_prometheus_stack_identity_role_policy').policy).Statement;
    expect(grants.map((g: any) => g.Action)).toEqual(['sns:Publish', ['kms:GenerateDataKey*', 'kms:Decrypt']]);
    expect(grants[0].Resource).toBe('${aws_sns_topic.alerts_topic.arn}');
  });

  test('the DCGM exporter runs only on GPU nodes with the GPU pools\' tolerations, after Prometheus', () => {
    const r = resource(a, 'helm_release', 'dcgm_exporter');
    expect(r).toMatchObject({ chart: 'dcgm-exporter', version: MONITORING_CHARTS['dcgm-exporter'].version });
    // prometheus-adapter turns http_requests_total into the http_requests_per_second custom metric model HPAs use.
    const adapter = Object.values<any>(resources(a, 'helm_release')).find((x) => x.chart === 'prometheus-adapter');
    expect(adapter).toMatchObject({ version: MONITORING_CHARTS['prometheus-adapter'].version, namespace: 'monitoring' });
    const values = JSON.parse(adapter.values[0]);
    expect(values.prometheus).toEqual({ url: 'http://kube-prometheus-stack-prometheus.monitoring.svc.cluster.local', port: 9090 });
    // Escaped for Terraform in the JSON; Helm receives the adapter's ${1} group reference.
    expect(values.rules.custom[0].name).toEqual({ matches: '^(.*)_total$', as: '$${1}_per_second' });
    expect(unescapeTemplates(values.rules.custom[0].name.as)).toBe('${1}_per_second');
    const v = JSON.parse(r.values[0]);
    expect(v.nodeSelector).toEqual({ 'mlops.cdktf.io/accelerator': 'nvidia' });
    expect(v.tolerations).toEqual([{ key: 'nvidia.com/gpu', operator: 'Equal', value: 'true', effect: 'NoSchedule' }]);
    expect(v.serviceMonitor).toMatchObject({ enabled: true, honorLabels: true });
    expect(r.depends_on).toContain('helm_release.kube_prometheus_stack');
  });

  test('a ServiceMonitor per model selects its Service and scrapes the metrics path', () => {
    const sm = object(s, 'ServiceMonitor', 'churn', 'models');
    expect(sm.spec).toEqual({
      selector: { matchLabels: { 'app.kubernetes.io/name': 'churn', 'app.kubernetes.io/instance': 'models-churn' } },
      namespaceSelector: { matchNames: ['models'] },
      endpoints: [{ port: 'http', path: '/metrics', interval: '30s', scheme: 'http' }],
      podTargetLabels: ['rollouts-pod-template-hash'],
    });
  });

  test('NetworkPolicies admit Prometheus on the service port and let the model send EMF to the agent', () => {
    const scrape = object(s, 'NetworkPolicy', 'churn-prometheus-scrape', 'models');
    expect(scrape.spec.ingress).toEqual([{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } } }], ports: [{ protocol: 'TCP', port: 8080 }] }]);
    const emf = object(s, 'NetworkPolicy', 'churn-to-cloudwatch-agent', 'models');
    expect(emf.spec.egress).toEqual([{ to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'amazon-cloudwatch' } } }], ports: [{ protocol: 'TCP', port: 25888 }] }]);
  });

  test('PrometheusRule: latency p95/p99, 5xx rate and saturation with the given thresholds', () => {
    const rules = object(s, 'PrometheusRule', 'churn', 'models').spec.groups[0].rules;
    expect(rules.map((r: any) => r.alert)).toEqual(['ModelLatencyP95High', 'ModelLatencyP99High', 'ModelErrorRateHigh', 'ModelCpuSaturation', 'ModelMemorySaturation']);
    expect(rules[0].expr).toBe('histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{namespace="models",service="churn"}[5m]))) > 0.3');
    expect(rules[1].expr).toBe('histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{namespace="models",service="churn"}[5m]))) > 0.8');
    expect(rules[2].expr).toBe('sum(rate(http_requests_total{namespace="models",service="churn",code=~"5.."}[5m])) / sum(rate(http_requests_total{namespace="models",service="churn"}[5m])) > 0.02');
    expect(rules[3].expr).toContain('kube_pod_container_resource_limits{namespace="models",pod=~"churn-[a-z0-9]+-[a-z0-9]+",resource="cpu"}) > 0.8');
    expect(rules[0]).toMatchObject({ for: '5m', labels: { severity: 'warning', model: 'churn' } });
  });

  test('GPU models get DCGM utilisation and memory rules, with their own histogram name', () => {
    const rules = object(s, 'PrometheusRule', 'llm', 'models').spec.groups[0].rules;
    expect(rules.map((r: any) => r.alert)).toContain('ModelGpuUtilizationHigh');
    expect(rules.find((r: any) => r.alert === 'ModelGpuUtilizationHigh').expr).toBe('avg(DCGM_FI_DEV_GPU_UTIL{namespace="models",pod=~"llm-[a-z0-9]+-[a-z0-9]+"}) > 95');
    expect(rules.find((r: any) => r.alert === 'ModelGpuMemoryHigh').expr).toContain('DCGM_FI_DEV_FB_FREE');
    expect(rules[0].expr).toContain('vllm:e2e_request_latency_seconds_bucket{');
    const cpuRules = object(s, 'PrometheusRule', 'churn', 'models').spec.groups[0].rules;
    expect(cpuRules.map((r: any) => r.alert)).not.toContain('ModelGpuUtilizationHigh');
  });

  test('every CloudWatch alarm notifies the alert topic on ALARM and OK', () => {
    const alarms = Object.values(resources(p, 'aws_cloudwatch_metric_alarm'));
    expect(alarms.length).toBeGreaterThanOrEqual(10);
    for (const a of alarms as any[]) {
      expect(a.alarm_actions.length).toBeGreaterThan(0);
      expect(a.alarm_actions).toEqual([TOPIC]);
      expect(a.ok_actions).toEqual([TOPIC]);
    }
  });

  test('alarms per model, with stable readable addresses and names', () => {
    const names = Object.keys(resources(p, 'aws_cloudwatch_metric_alarm')).filter((k) => k.startsWith('observability_churn_')).sort();
    expect(names).toEqual(['cpu_saturation', 'error_rate', 'latency_p95', 'latency_p99', 'memory_saturation'].map((k) => `observability_churn_${k}_alarm`));
    expect(resource(p, 'aws_cloudwatch_metric_alarm', 'observability_churn_latency_p95_alarm').alarm_name).toBe('acme-dev-churn-latency-p95');
  });

  test('latency alarms: p95/p99 of the EMF latency metric of the Service', () => {
    const dims = { ClusterName: 'acme-dev', Namespace: 'models', Service: 'churn' };
    expect(resource(p, 'aws_cloudwatch_metric_alarm', 'observability_churn_latency_p95_alarm')).toMatchObject({
      namespace: 'MLOps/Models', metric_name: 'RequestLatency', extended_statistic: 'p95', threshold: 0.3, dimensions: dims,
      comparison_operator: 'GreaterThanThreshold', evaluation_periods: 5, period: 60, treat_missing_data: 'notBreaching',
    });
    expect(resource(p, 'aws_cloudwatch_metric_alarm', 'observability_churn_latency_p99_alarm')).toMatchObject({ extended_statistic: 'p99', threshold: 0.8 });
  });

  test('error-rate alarm: 5xx over requests by metric math', () => {
    const a = resource(p, 'aws_cloudwatch_metric_alarm', 'observability_churn_error_rate_alarm');
    expect(a.threshold).toBe(0.02);
    expect(a.metric_query.map((q: any) => q.id)).toEqual(['errors', 'requests', 'error_rate']);
    expect(a.metric_query[2]).toMatchObject({ expression: 'IF(requests > 0, errors / requests, 0)', return_data: true });
    expect(a.metric_query[0].metric).toMatchObject({ metric_name: 'Http5xxCount', stat: 'Sum', namespace: 'MLOps/Models' });
    expect(a.metric_name).toBeUndefined();
  });

  test('saturation alarms: Container Insights per-Service metrics over the pod limit', () => {
    expect(resource(p, 'aws_cloudwatch_metric_alarm', 'observability_churn_cpu_saturation_alarm')).toMatchObject({
      namespace: 'ContainerInsights', metric_name: 'pod_cpu_utilization_over_pod_limit', statistic: 'Average', threshold: 80,
      dimensions: { ClusterName: 'acme-dev', Namespace: 'models', Service: 'churn' },
    });
    expect(resource(p, 'aws_cloudwatch_metric_alarm', 'observability_churn_memory_saturation_alarm')).toMatchObject({ metric_name: 'pod_memory_utilization_over_pod_limit', threshold: 85 });
  });

  test('a dashboard per model with infrastructure, model and KPI widgets', () => {
    const d = resource(p, 'aws_cloudwatch_dashboard', 'observability_churn_dashboard');
    expect(d.dashboard_name).toBe('acme-dev-churn');
    const body = JSON.parse(d.dashboard_body);
    expect(body.widgets.map((w: any) => w.properties.title)).toEqual(['CPU % of limit', 'Memory % of limit', 'Running pods', 'Container restarts', 'Latency (s)', 'Requests and 5xx', 'Churn saves']);
    expect(body.widgets[6].properties.metrics).toEqual([['Acme/Retention', 'SavedCustomers', 'Region', 'eu', { stat: 'Sum' }]]);
    expect(body.widgets[4].properties.metrics.map((m: any) => m[m.length - 1].stat)).toEqual(['p50', 'p95', 'p99']);
    expect(body.widgets[1]).toMatchObject({ x: 12, y: 0, width: 12, height: 6 });
    const gpu = JSON.parse(resource(p, 'aws_cloudwatch_dashboard', 'observability_llm_dashboard').dashboard_body);
    expect(gpu.widgets.map((w: any) => w.properties.title)).toContain('GPU utilisation %');
  });
});

describe('Observability defaults and switches', () => {
  test('without an alert topic it creates one; without Container Insights there is no add-on', () => {
    const s = synthesize((app) => {
      const { stack, cluster } = testCluster(app);
      new Observability(stack, 'observability', { cluster, alertEmails: ['ml-oncall@acme.example'], containerInsights: false, gpuMetrics: false });
    });
    const p = s.stacks.platform;
    expect(danglingReferences(s)).toEqual([]);
    expect(resource(p, 'aws_sns_topic', 'observability_alert_topic_topic')).toMatchObject({ name: 'acme-dev-alerts', kms_master_key_id: '${aws_kms_key.keys_alerts_key.arn}' });
    expect(resources(p, 'aws_eks_addon').observability_cloudwatch_observability_addon).toBeUndefined();
    expect(resources(s.stacks['platform-addons'], 'helm_release').dcgm_exporter).toBeUndefined();
  });
});

describe('Observability addresses', () => {
  test('adding a model renames nothing', () => {
    const build = (models: string[]) => synthesize((app) => {
      const { stack, cluster } = testCluster(app);
      const obs = new Observability(stack, 'observability', { cluster, alertTopic: new AlertTopic(stack, 'alerts') });
      for (const name of models) {
        obs.monitorService(monitoredWorkload(new ServiceWorkload(stack, name, { workloads: cluster.workloads, namespace: 'models', name, image: IMAGE, port: 8080 })));
      }
    });
    const one = build(['churn']);
    const two = build(['aardvark', 'churn']);
    const keys = (x: Synthesized) => [
      ...Object.entries(x.stacks.platform.resource).flatMap(([type, rs]) => Object.keys(rs as object).map((k) => `${type}.${k}`)),
      ...Object.keys(x.stacks.workloads.resource.kubernetes_manifest).map((k) => `kubernetes_manifest.${k}`),
    ];
    const added = keys(two).filter((k) => !keys(one).includes(k));
    expect(keys(one).filter((k) => !keys(two).includes(k))).toEqual([]);
    expect(added.every((k) => k.includes('aardvark'))).toBe(true);
    expect(resource(two.stacks.platform, 'aws_cloudwatch_metric_alarm', 'observability_churn_latency_p95_alarm'))
      .toEqual(resource(one.stacks.platform, 'aws_cloudwatch_metric_alarm', 'observability_churn_latency_p95_alarm'));
    expect(Object.keys(two.stacks.workloads.resource.kubernetes_manifest).filter((k) => k.includes('churn')).sort()).toEqual([
      'deployment_models_churn', 'horizontalpodautoscaler_models_churn', 'networkpolicy_models_churn-ingress', 'networkpolicy_models_churn-prometheus-scrape',
      'networkpolicy_models_churn-to-cloudwatch-agent', 'poddisruptionbudget_models_churn', 'prometheusrule_models_churn', 'service_models_churn',
      'serviceaccount_models_churn', 'servicemonitor_models_churn',
    ]);
  });
});

/** An existing topic (bad-input tests synthesize nothing, so its grants are not inspected). */
const EXTERNAL_TOPIC = { topicArn: 'arn:aws:sns:eu-west-1:111122223333:alerts', grantPublish: () => undefined };

describe('Observability bad input', () => {
  const setup = () => {
    const app = new App({ outdir: '/tmp/cdktf-mlops-unused' });
    const { stack, cluster } = testCluster(app);
    const obs = new Observability(stack, 'obs', { cluster, alertTopic: EXTERNAL_TOPIC });
    const svc: IMonitoredService = { modelName: 'churn', namespace: 'models', serviceName: 'churn', port: 8080, labels: { app: 'churn' }, gpu: false };
    return { stack, cluster, obs, svc };
  };
  /** monitorService on a fresh Observability (a failed call leaves its construct behind). */
  const bad = (opts: ModelMonitoringOptions, service: Partial<IMonitoredService> = {}) => () => {
    const { obs, svc } = setup();
    obs.monitorService({ ...svc, ...service }, opts);
  };

  test('thresholds', () => {
    expect(bad({ latencyP95Seconds: 0 })).toThrow(/^\[platform\/obs\/churn\] latencyP95Seconds 0 must be greater than 0\. Fix: use a latency in seconds such as 0\.5\.$/);
    expect(bad({ latencyP95Seconds: 2, latencyP99Seconds: 1 })).toThrow(/^\[platform\/obs\/churn\] latencyP99Seconds 1 is below latencyP95Seconds 2\. Fix: set the p99 threshold at least as high as the p95 threshold\.$/);
    expect(bad({ errorRate: 0 })).toThrow(/^\[platform\/obs\/churn\] errorRate 0 is outside \(0, 1\]\. Fix: use a share of requests such as 0\.01 \(1%\)\.$/);
    expect(bad({ errorRate: 1.5 })).toThrow(/^\[platform\/obs\/churn\] errorRate 1\.5 is outside \(0, 1\]\./);
    expect(bad({ gpuMemoryUtilization: 90 })).toThrow(/^\[platform\/obs\/churn\] gpuMemoryUtilization 90 is outside \(0, 1\]\. Fix: use a share of GPU memory such as 0\.9\.$/);
    expect(bad({ cpuUtilizationPercent: 120 })).toThrow(/^\[platform\/obs\/churn\] cpuUtilizationPercent 120 is outside 1-100\. Fix: use a percentage such as 80\.$/);
    expect(bad({ evaluationPeriods: 0 })).toThrow(/^\[platform\/obs\/churn\] evaluationPeriods 0 is not a whole number from 1 to 60\. Fix: use a number of one-minute periods such as 5\.$/);
  });

  test('KPIs', () => {
    expect(bad({ kpis: [{ title: 'Saves', namespace: 'Acme/R', metric: 'Saved', stat: 'Median' }] }))
      .toThrow(/^\[platform\/obs\/churn\] KPI "Saves" has stat "Median", which CloudWatch does not know\. Fix: use Average, Sum, Minimum, Maximum, SampleCount or a percentile such as p90\.$/);
    expect(bad({ kpis: [{ title: 'A', namespace: 'N', metric: 'm' }, { title: 'A', namespace: 'N', metric: 'n' }] }))
      .toThrow(/^\[platform\/obs\/churn\] KPI title "A" is used twice\. Fix: give every KPI a distinct title\.$/);
    expect(bad({ kpis: [{ title: 'A', namespace: 'bad ns!', metric: 'm' }] }))
      .toThrow(/^\[platform\/obs\/churn\] KPI "A" has namespace "bad ns!", which is not a CloudWatch namespace\. Fix: use a namespace such as "Acme\/Checkout"\.$/);
  });

  test('service description', () => {
    expect(bad({}, { labels: {} })).toThrow(/^\[platform\/obs\/churn\] labels of the service are empty, so the ServiceMonitor would select every Service\. Fix: pass the labels that select the model's Service and pods\.$/);
    expect(bad({}, { metricsPath: 'metrics' })).toThrow(/^\[platform\/obs\/churn\] metricsPath "metrics" does not start with "\/"\. Fix: use an absolute HTTP path such as "\/metrics"\.$/);
    expect(bad({}, { port: 0 })).toThrow(/^\[platform\/obs\/churn\] port 0 is not a TCP port\. Fix: use a whole number from 1 to 65535\.$/);
    expect(bad({ prometheusMetrics: { requestsTotal: 'http-requests' } })).toThrow(/^\[platform\/obs\/churn\] prometheusMetrics\.requestsTotal "http-requests" is not a Prometheus metric or label name\./);
    const { obs, svc } = setup();
    obs.monitorService(svc);
    expect(() => obs.monitorService(svc)).toThrow(/^\[platform\/obs\] model "churn" is already monitored\. Fix: call monitorService once per model\.$/);
  });

  test('Prometheus retention', () => {
    const { stack, cluster } = testCluster(new App({ outdir: '/tmp/cdktf-mlops-unused' }));
    expect(() => new Observability(stack, 'o', { cluster, alertTopic: EXTERNAL_TOPIC, prometheusRetentionDays: 0 }))
      .toThrow(/^\[platform\/o\/kube_prometheus_stack\] retentionDays 0 must be a whole number of at least 1\. Fix: keep Prometheus samples for 1 day or more, e\.g\. 15\.$/);
  });

  test('switches', () => {
    const app = new App({ outdir: '/tmp/cdktf-mlops-unused' });
    const { stack, cluster } = testCluster(app);
    const topic = EXTERNAL_TOPIC;
    expect(() => new Observability(stack, 'a', { cluster, alertTopic: topic, prometheus: false, gpuMetrics: true }))
      .toThrow(/^\[platform\/a\] gpuMetrics is true but prometheus is false: the DCGM exporter is scraped by Prometheus\. Fix: enable prometheus or set gpuMetrics to false\.$/);
    expect(() => new Observability(stack, 'b', { cluster, alertTopic: topic, modelMetricsNamespace: 'AWS/EKS' }))
      .toThrow(/^\[platform\/b\] modelMetricsNamespace "AWS\/EKS" is not a namespace models can publish to\./);
    const noProm = new Observability(stack, 'c', { cluster, alertTopic: topic, prometheus: false });
    expect(() => noProm.monitorService({ modelName: 'm', namespace: 'models', serviceName: 'm', port: 80, labels: { app: 'm' }, gpu: false }))
      .toThrow(/^\[platform\/c\] monitorService\("m"\) needs Prometheus for its ServiceMonitor and PrometheusRule, but prometheus is false\. Fix: enable prometheus on the Observability\.$/);
  });
});
