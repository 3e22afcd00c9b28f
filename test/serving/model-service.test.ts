import { App } from 'cdktf';
import { ModelService, ModelServiceProps } from '../../lib/serving/model-service';
import { zoneLocation } from '../../lib/serving/serving-cluster';
import { allObjects, danglingReferences, object, resource, schemaViolations, synthesize, Synthesized } from '../support/synth';
import { arr, P, servingPlatform, stmts } from './fixtures';

const CERT = 'arn:aws:acm:eu-west-1:123456789012:certificate/0f5a2c1e-1111-2222-3333-444455556666';
const OIDC = {
  type: 'oidc' as const, issuer: 'https://idp.acme.example', authorizationEndpoint: 'https://idp.acme.example/authorize',
  tokenEndpoint: 'https://idp.acme.example/token', userInfoEndpoint: 'https://idp.acme.example/userinfo', secretName: 'churn-oidc',
};

const platform = (app: App, profile: 'dev' | 'prod' = 'dev', gpu = true) => servingPlatform(app, profile, gpu);

describe('ModelService', () => {
  let s: Synthesized;
  beforeAll(() => {
    s = synthesize((app) => {
      const { stack, cluster, lake, store } = platform(app);
      new ModelService(stack, 'churn', {
        cluster, namespace: 'serving', name: 'churn', modelVersion: '7', image: 'acme/churn:1.4.2',
        artifacts: zoneLocation(lake.zone('curated'), 'models/churn/'),
        features: { store, views: [store.featureView('customer_profile', 1)] },
        clients: [{ namespace: 'gateway' }],
        autoscaling: { minReplicas: 2, maxReplicas: 10, targetCpuUtilization: 60, targetRequestsPerSecond: 50 },
        ingress: { certificateArn: CERT, host: 'churn.ml.acme.example', auth: OIDC, albSourceCidrs: ['10.0.0.0/16'], wafAclArn: 'arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/ml/abc' },
      });
      new ModelService(stack, 'vision', {
        cluster, namespace: 'serving', name: 'vision', modelVersion: '3', image: 'acme/vision@sha256:' + 'b'.repeat(64),
        artifacts: zoneLocation(lake.zone('curated'), 'models/vision'), gpu: { count: 1 }, resources: { cpu: '4', memory: '16Gi' },
      });
      new ModelService(stack, 'recs_experimental', {
        cluster, namespace: 'serving', name: 'recs-experimental', modelVersion: '1', image: 'acme/recs:0.1.0', critical: false,
        artifacts: zoneLocation(lake.zone('curated'), 'models/recs/'),
        autoscaling: {
          scaleToZero: true, targetRequestsPerSecond: 20, prometheusAddress: 'http://prometheus.monitoring.svc:9090',
          activationQuery: 'sum(rate(gateway_requests_total{route="recs"}[2m]))',
        },
      });
    });
  });

  test('references resolve and every object passes upstream schema validation', () => {
    expect(danglingReferences(s)).toEqual([]);
    expect(schemaViolations(allObjects(s))).toEqual([]);
  });

  test('objects have explicit, readable names and addresses', () => {
    const addresses = Object.keys(s.stacks.workloads.resource.kubernetes_manifest);
    for (const a of ['serviceaccount_serving_churn', 'deployment_serving_churn', 'service_serving_churn', 'poddisruptionbudget_serving_churn',
      'horizontalpodautoscaler_serving_churn', 'networkpolicy_serving_churn-ingress', 'ingress_serving_churn', 'networkpolicy_serving_churn-alb',
      'deployment_serving_vision', 'scaledobject_serving_recs-experimental']) {
      expect(addresses).toContain(a);
    }
    expect(Object.keys(s.stacks[P].resource.aws_iam_role)).toEqual(expect.arrayContaining(['churn_identity_role_role', 'vision_identity_role_role']));
  });

  test('the Deployment is hardened: pinned image, resources, probes, restricted context, no token, zone spread, maxUnavailable 0', () => {
    const d = object(s, 'Deployment', 'churn', 'serving');
    const pod = d.spec.template.spec;
    const c = pod.containers[0];
    expect(c.image).toBe('acme/churn:1.4.2');
    expect(c.resources).toEqual({ requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '500m', memory: '1Gi' } });
    for (const p of ['readinessProbe', 'livenessProbe', 'startupProbe']) expect(c[p].httpGet.path).toBe('/health');
    expect(c.startupProbe.failureThreshold * c.startupProbe.periodSeconds).toBe(600);
    expect(c.securityContext).toMatchObject({ runAsNonRoot: true, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod.volumes).toContainEqual({ name: 'tmp', emptyDir: { sizeLimit: '1Gi' } });
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.serviceAccountName).toBe('churn');
    expect(object(s, 'ServiceAccount', 'churn', 'serving').automountServiceAccountToken).toBe(false);
    expect(pod.topologySpreadConstraints.map((t: any) => t.topologyKey)).toContain('topology.kubernetes.io/zone');
    expect(d.spec.strategy.rollingUpdate.maxUnavailable).toBe(0);
    expect(d.spec.replicas).toBeUndefined();
    expect(c.env).toEqual(expect.arrayContaining([{ name: 'MODEL_VERSION', value: '7' }, { name: 'MODEL_URI', value: expect.stringMatching(/^s3:\/\/.*\/models\/churn\/$/) }]));
    expect(pod.nodeSelector).toBeUndefined();
    expect(c.resources.limits['nvidia.com/gpu']).toBeUndefined();
    expect(object(s, 'PodDisruptionBudget', 'churn', 'serving').spec.maxUnavailable).toBe(1);
  });

  test('a GPU model gets nvidia.com/gpu limits, the pool toleration and node selector', () => {
    const pod = object(s, 'Deployment', 'vision', 'serving').spec.template.spec;
    expect(pod.containers[0].resources.limits['nvidia.com/gpu']).toBe(1);
    expect(pod.tolerations).toContainEqual({ key: 'nvidia.com/gpu', operator: 'Equal', value: 'true', effect: 'NoSchedule' });
    expect(pod.nodeSelector).toMatchObject({ 'mlops.cdktf.io/pool': 'serving' });
  });

  test('the NetworkPolicy admits only the declared clients and the ALB CIDR on the service port', () => {
    const np = object(s, 'NetworkPolicy', 'churn-ingress', 'serving');
    expect(np.spec.ingress[0].from).toEqual([{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'gateway' } } }]);
    const alb = object(s, 'NetworkPolicy', 'churn-alb', 'serving');
    expect(alb.spec.ingress).toEqual([{ from: [{ ipBlock: { cidr: '10.0.0.0/16' } }], ports: [{ protocol: 'TCP', port: 8080 }] }]);
    expect(object(s, 'NetworkPolicy', 'vision-ingress', 'serving').spec.ingress).toEqual([]);
  });

  test('the identity reads only its artifact prefix and its feature views\' online tables', () => {
    const st = stmts(s, 'churn_identity');
    const actions = st.flatMap((x: any) => arr(x.Action));
    expect(actions).not.toEqual(expect.arrayContaining(['s3:PutObject']));
    expect(actions.some((a: string) => /Put|Delete|Write|Update/.test(a))).toBe(false);
    const get = st.find((x: any) => arr(x.Action).includes('s3:GetObject') && arr(x.Resource).some((r: string) => r.endsWith('/models/churn/*')));
    expect(get).toBeDefined();
    const objs = st.filter((x: any) => arr(x.Action).includes('s3:GetObject')).flatMap((x: any) => arr(x.Resource));
    for (const r of objs) expect(r).toMatch(/\/(models\/churn\/|registry\/.*)\*$/);
    const dynamo = st.filter((x: any) => arr(x.Action).includes('dynamodb:GetItem')).flatMap((x: any) => arr(x.Resource));
    expect(dynamo).toHaveLength(1);
    expect(dynamo[0]).toMatch(/customer_profile/);
    expect(JSON.stringify(st)).not.toMatch(/txn_stats/);
    expect(JSON.stringify(stmts(s, 'vision_identity'))).not.toMatch(/dynamodb/);
    const trust = JSON.parse(resource(s.stacks[P], 'aws_iam_role', 'churn_identity_role_role').assume_role_policy);
    expect(trust.Statement[0].Condition.StringEquals['aws:RequestTag/kubernetes-service-account']).toBe('churn');
  });

  test('the HPA scales on CPU and on the request rate', () => {
    const hpa = object(s, 'HorizontalPodAutoscaler', 'churn', 'serving');
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(hpa.spec).toMatchObject({ minReplicas: 2, maxReplicas: 10 });
    expect(hpa.spec.metrics).toEqual([
      { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } } },
      { type: 'Pods', pods: { metric: { name: 'http_requests_per_second' }, target: { type: 'AverageValue', averageValue: '50' } } },
    ]);
  });

  test('a non-critical model scales to zero through a KEDA ScaledObject instead of an HPA', () => {
    const so = object(s, 'ScaledObject', 'recs-experimental', 'serving');
    expect(so.apiVersion).toBe('keda.sh/v1alpha1');
    expect(so.spec).toMatchObject({ minReplicaCount: 0, scaleTargetRef: { kind: 'Deployment', name: 'recs-experimental' } });
    expect(so.spec.triggers[0]).toMatchObject({ type: 'prometheus', metadata: { serverAddress: 'http://prometheus.monitoring.svc:9090', threshold: '20' } });
    // The model's own counter has no series at zero replicas: demand seen upstream wakes it.
    expect(so.spec.triggers[0].metadata.activationThreshold).toBeUndefined();
    expect(so.spec.triggers[1]).toEqual({ type: 'prometheus', name: 'activation', metadata: {
      serverAddress: 'http://prometheus.monitoring.svc:9090', query: 'max((sum(rate(gateway_requests_total{route="recs"}[2m]))) > bool 0)', threshold: '1', activationThreshold: '0' } });
    expect(allObjects(s).filter((o) => o.kind === 'HorizontalPodAutoscaler' && o.metadata.name === 'recs-experimental')).toEqual([]);
  });

  test('the Ingress is an internal HTTPS-only ALB with TLS 1.3/1.2, OIDC from a Secret reference and WAF', () => {
    const ing = object(s, 'Ingress', 'churn', 'serving');
    const an = ing.metadata.annotations!;
    expect(ing.spec.ingressClassName).toBe('alb');
    expect(an['alb.ingress.kubernetes.io/scheme']).toBe('internal');
    expect(an['alb.ingress.kubernetes.io/certificate-arn']).toBe(CERT);
    expect(an['alb.ingress.kubernetes.io/ssl-policy']).toBe('ELBSecurityPolicy-TLS13-1-2-2021-06');
    expect(an['alb.ingress.kubernetes.io/ssl-redirect']).toBe('443');
    expect(an['alb.ingress.kubernetes.io/auth-type']).toBe('oidc');
    expect(JSON.parse(an['alb.ingress.kubernetes.io/auth-idp-oidc'])).toEqual({
      issuer: OIDC.issuer, authorizationEndpoint: OIDC.authorizationEndpoint, tokenEndpoint: OIDC.tokenEndpoint, userInfoEndpoint: OIDC.userInfoEndpoint, secretName: 'churn-oidc',
    });
    expect(JSON.stringify(ing)).not.toMatch(/clientSecret"\s*:/);
    expect(an['alb.ingress.kubernetes.io/wafv2-acl-arn']).toMatch(/^arn:aws:wafv2:/);
    expect(ing.spec.rules[0].http.paths[0].backend.service).toEqual({ name: 'churn', port: { number: 8080 } });
  });
});

describe('ModelService in prod', () => {
  test('minReplicas defaults to the profile (2) and a critical model may not go below 2', () => {
    const s = synthesize((app) => {
      const { stack, cluster, lake } = platform(app, 'prod', false);
      new ModelService(stack, 'churn', { cluster, namespace: 'serving', name: 'churn', modelVersion: '7', image: 'acme/churn@sha256:' + 'a'.repeat(64), artifacts: zoneLocation(lake.zone('curated'), 'models/churn/') });
      expect(() => new ModelService(stack, 'low', { cluster, namespace: 'serving', name: 'low', modelVersion: '1', image: 'acme/low@sha256:' + 'b'.repeat(64), artifacts: zoneLocation(lake.zone('curated'), 'models/low/'), autoscaling: { minReplicas: 1 } }))
        .toThrow(/^\[platform\/low\] minReplicas 1 is below 2 for a critical model in prod\. Fix: use at least 2 replicas in prod/);
    });
    expect(danglingReferences(s)).toEqual([]);
    expect(object(s, 'HorizontalPodAutoscaler', 'churn', 'serving').spec.minReplicas).toBe(2);
  });
});

describe('ModelService: invalid input', () => {
  let app: App;
  let base: ModelServiceProps;
  let stack: any;
  let noGpu: any;
  beforeAll(() => {
    app = new App({ outdir: require('os').tmpdir() });
    const p = platform(app);
    stack = p.stack;
    base = { cluster: p.cluster, namespace: 'serving', name: 'm', modelVersion: '1', image: 'acme/m:1.0.0', artifacts: zoneLocation(p.lake.zone('curated'), 'models/m/') };
    const app2 = new App({ outdir: require('os').tmpdir() });
    noGpu = platform(app2, 'dev', false);
  });
  const bad = (id: string, over: Partial<ModelServiceProps>) => () => new ModelService(stack, id, { ...base, name: id.replace(/_/g, '-'), ...over });

  test('latest and unpinned images', () => {
    expect(bad('a1', { image: 'acme/m:latest' })).toThrow(/^\[platform\/a1\] image "acme\/m:latest" uses the mutable tag "latest"\. Fix: pin a version tag/);
    expect(bad('a2', { image: 'acme/m' })).toThrow(/^\[platform\/a2\] image "acme\/m" is not pinned to a tag or digest\./);
  });
  test('min > max and target utilisation out of range', () => {
    expect(bad('b1', { autoscaling: { minReplicas: 5, maxReplicas: 2 } })).toThrow(/^\[platform\/b1\/workload\] minReplicas 5 is greater than maxReplicas 2\. Fix: set maxReplicas to at least 5\./);
    expect(bad('b2', { autoscaling: { targetCpuUtilization: 150 } })).toThrow(/^\[platform\/b2\/workload\] targetCpuUtilization 150 is outside 1-100\./);
    expect(bad('b3', { autoscaling: { targetCpuUtilization: 0 } })).toThrow(/targetCpuUtilization 0 is outside 1-100\./);
    expect(bad('b4', { autoscaling: { targetRequestsPerSecond: -1 } })).toThrow(/^\[platform\/b4\] autoscaling\.targetRequestsPerSecond -1 must be positive\./);
  });
  test('a GPU model on a cluster without a GPU pool', () => {
    expect(() => new ModelService(noGpu.stack, 'g', { ...base, cluster: noGpu.cluster, name: 'g', artifacts: zoneLocation(noGpu.lake.zone('curated'), 'models/g/'), gpu: { count: 1 } }))
      .toThrow(/^\[platform\/g\] serving\/g asks for 1 GPU\(s\) but cluster platform\/cluster has no GPU pool\. Fix: add a GpuNodePool/);
    expect(bad('g2', { gpu: { count: 0 } })).toThrow(/^\[platform\/g2\] gpu\.count 0 must be a whole number of at least 1\./);
  });
  test('scale to zero needs a non-critical model and a trigger', () => {
    expect(bad('z1', { autoscaling: { scaleToZero: true, targetRequestsPerSecond: 1, prometheusAddress: 'http://p:9090', activationQuery: 'up' } }))
      .toThrow(/^\[platform\/z1\] autoscaling\.scaleToZero is set on a critical model\. Fix: set critical: false/);
    expect(bad('z2', { critical: false, autoscaling: { scaleToZero: true } })).toThrow(/^\[platform\/z2\] autoscaling\.scaleToZero needs a request-rate trigger\./);
    expect(bad('z3', { critical: false, autoscaling: { scaleToZero: true, targetRequestsPerSecond: 1, prometheusAddress: 'http://p:9090' } }))
      .toThrow(/^\[platform\/z3\] autoscaling\.scaleToZero has no activationQuery: at zero replicas the model's own request counter has no series, so it would never be scaled up again\. Fix: set autoscaling\.activationQuery/);
  });
  test('artifact prefixes, names and versions', () => {
    expect(bad('p1', { artifacts: { bucket: base.artifacts.bucket, prefix: 'models/*' } })).toThrow(/^\[platform\/p1\] artifacts\.prefix "models\/\*" must be a literal, non-empty key prefix\./);
    expect(bad('n1', { name: 'Bad_Name' })).toThrow(/^\[platform\/n1\] Kubernetes object name \(DNS-1123 label\) name "Bad_Name" is not allowed/);
    expect(bad('v1', { modelVersion: 'v 1' })).toThrow(/^\[platform\/v1\] modelVersion "v 1" is not a valid label value\./);
  });
  test('ingress without a valid certificate, with an open CIDR, or a bad OIDC endpoint', () => {
    const ing = { certificateArn: CERT, host: 'm.ml.acme.example', auth: OIDC, albSourceCidrs: ['10.0.0.0/16'] };
    expect(bad('i1', { ingress: { ...ing, certificateArn: 'cert-123' } })).toThrow(/^\[platform\/i1\/ingress\] certificateArn "cert-123" is not an ARN\. Fix: use the full ACM certificate ARN, e.g\. "arn:aws:acm:<region>:<account>:certificate\/<id>"\.$/);
    expect(bad('i5', { ingress: { ...ing, certificateArn: 'arn:aws:iam::111122223333:server-certificate/x' } })).toThrow(/^\[platform\/i5\/ingress\] certificateArn "arn:aws:iam::111122223333:server-certificate\/x" is an ARN of the iam service, not an ACM certificate ARN\. Fix: use the full ACM certificate ARN, e.g\. "arn:aws:acm:<region>:<account>:certificate\/<id>"\.$/);
    expect(bad('i2', { ingress: { ...ing, albSourceCidrs: ['0.0.0.0/0'] } })).toThrow(/^\[platform\/i2\/ingress\] albSourceCidrs entry "0\.0\.0\.0\/0" admits every address\./);
    expect(bad('i3', { ingress: { ...ing, auth: { ...OIDC, tokenEndpoint: 'http://idp/token' } } })).toThrow(/^\[platform\/i3\/ingress\] auth\.tokenEndpoint "http:\/\/idp\/token" is not an https URL\./);
    expect(bad('i4', { ingress: { ...ing, host: 'Not A Host' } })).toThrow(/^\[platform\/i4\/ingress\] host "Not A Host" is not a DNS name\./);
  });
});
