import { App } from 'cdktf';
import { WorkloadsStack } from '../../lib/core/workloads-stack';
import { ServiceWorkload, ServiceWorkloadProps } from '../../lib/core/service-workload';
import { allObjects, danglingReferences, object, schemaViolations, synthesize, Synthesized } from '../support/synth';
import { testStack } from '../support/fixtures';

const CONNECTION = { clusterName: 'acme-dev', endpoint: 'https://example.eks.amazonaws.com', certificateAuthorityData: 'Y2E=', region: 'eu-west-1' };

function base(app: App, profile: 'dev' | 'prod' = 'dev') {
  const stack = testStack(app, { profile });
  const workloads = new WorkloadsStack(app, 'workloads', { cluster: CONNECTION });
  return { stack, workloads };
}

/** An external image: pinned by digest (prod requires it). */
const IMAGE = 'acme/churn@sha256:' + 'c'.repeat(64);

const minimal = (workloads: WorkloadsStack): ServiceWorkloadProps => ({
  workloads, namespace: 'serving', name: 'churn', image: IMAGE, port: 8080,
});

describe('ServiceWorkload', () => {
  let s: Synthesized;
  beforeAll(() => {
    s = synthesize((app) => {
      const { stack, workloads } = base(app, 'prod');
      new ServiceWorkload(stack, 'churn', {
        ...minimal(workloads),
        healthPath: '/healthz',
        env: { LOG_LEVEL: 'info' },
        secretEnv: { DB_URI: { secretName: 'churn-db', key: 'uri' } },
        clients: [{ namespace: 'gateway', podLabels: { app: 'gateway' } }, { podLabels: { role: 'batch' } }],
        egress: [{ cidr: '10.0.0.0/16', port: 5432 }],
        maxReplicas: 8,
        targetCpuUtilization: 60,
      });
      new ServiceWorkload(stack, 'churn_gpu', {
        ...minimal(workloads), name: 'churn-gpu', image: 'acme/churn@sha256:' + 'a'.repeat(64),
        gpu: { count: 1 }, resources: { cpu: '2', memory: '8Gi', memoryLimit: '10Gi' },
      });
    });
  });

  test('references resolve and every object passes upstream schema validation', () => {
    expect(danglingReferences(s)).toEqual([]);
    expect(schemaViolations(allObjects(s))).toEqual([]);
  });

  test('objects have explicit names, the namespace and stable addresses', () => {
    const addresses = Object.keys(s.stacks.workloads.resource.kubernetes_manifest);
    for (const a of ['serviceaccount_serving_churn', 'deployment_serving_churn', 'service_serving_churn', 'poddisruptionbudget_serving_churn',
      'horizontalpodautoscaler_serving_churn', 'networkpolicy_serving_churn-ingress', 'networkpolicy_serving_churn-egress']) {
      expect(addresses).toContain(a);
    }
    // Everything in the service's namespace, but the egress policy of the client namespace `gateway`.
    expect(allObjects(s).filter((o) => o.metadata.namespace !== 'serving').map((o) => `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`))
      .toEqual(['NetworkPolicy gateway/egress-to-serving-churn']);
    expect(addresses).toContain('networkpolicy_gateway_egress-to-serving-churn');
  });

  test('service account mounts no token', () => {
    expect(object(s, 'ServiceAccount', 'churn').automountServiceAccountToken).toBe(false);
    expect(object(s, 'Deployment', 'churn').spec.template.spec.automountServiceAccountToken).toBe(false);
  });

  test('deployment: pinned image, requests and limits, probes, rolling update without unavailability, zone spread', () => {
    const d = object(s, 'Deployment', 'churn');
    const pod = d.spec.template.spec;
    const c = pod.containers[0];
    expect(c.image).toBe(IMAGE);
    expect(c.resources).toEqual({ requests: { cpu: '250m', memory: '512Mi' }, limits: { cpu: '250m', memory: '512Mi' } });
    for (const p of ['readinessProbe', 'livenessProbe', 'startupProbe']) expect(c[p].httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(c.startupProbe.failureThreshold * c.startupProbe.periodSeconds).toBe(300);
    expect(d.spec.strategy.rollingUpdate.maxUnavailable).toBe(0);
    expect(d.spec.replicas).toBeUndefined(); // the HPA owns the replica count
    expect(pod.topologySpreadConstraints.map((t: any) => t.topologyKey)).toEqual(['topology.kubernetes.io/zone', 'kubernetes.io/hostname']);
    expect(pod.topologySpreadConstraints[0].labelSelector.matchLabels).toEqual(d.spec.selector.matchLabels);
    expect(pod.tolerations).toBeUndefined();
    expect(pod.nodeSelector).toBeUndefined();
  });

  test('restricted security context, read-only root filesystem and an emptyDir /tmp', () => {
    const pod = object(s, 'Deployment', 'churn').spec.template.spec;
    const c = pod.containers[0];
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(c.securityContext).toMatchObject({ runAsNonRoot: true, allowPrivilegeEscalation: false, privileged: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    expect(pod.volumes).toEqual([{ name: 'tmp', emptyDir: { sizeLimit: '1Gi' } }]);
    expect(c.volumeMounts).toEqual([{ name: 'tmp', mountPath: '/tmp' }]);
  });

  test('environment: literals for plain values, secrets by reference only', () => {
    const env = object(s, 'Deployment', 'churn').spec.template.spec.containers[0].env;
    expect(env).toEqual([
      { name: 'LOG_LEVEL', value: 'info' },
      { name: 'DB_URI', valueFrom: { secretKeyRef: { name: 'churn-db', key: 'uri' } } },
    ]);
  });

  test('service, PDB and HPA target the deployment', () => {
    const d = object(s, 'Deployment', 'churn');
    const svc = object(s, 'Service', 'churn');
    expect(svc.spec).toMatchObject({ type: 'ClusterIP', selector: d.spec.selector.matchLabels, ports: [{ name: 'http', port: 8080, targetPort: 'http', protocol: 'TCP' }] });
    expect(object(s, 'PodDisruptionBudget', 'churn').spec).toEqual({ maxUnavailable: 1, selector: { matchLabels: d.spec.selector.matchLabels } });
    const hpa = object(s, 'HorizontalPodAutoscaler', 'churn');
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(hpa.spec).toEqual({
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'churn' },
      minReplicas: 2,
      maxReplicas: 8,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } } }],
    });
  });

  test('network policy admits only the declared clients, on the service port', () => {
    const np = object(s, 'NetworkPolicy', 'churn-ingress');
    expect(np.spec.policyTypes).toEqual(['Ingress']);
    expect(np.spec.podSelector.matchLabels).toEqual(object(s, 'Deployment', 'churn').spec.selector.matchLabels);
    expect(np.spec.ingress).toEqual([{
      from: [
        { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'gateway' } }, podSelector: { matchLabels: { app: 'gateway' } } },
        { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'serving' } }, podSelector: { matchLabels: { role: 'batch' } } },
      ],
      ports: [{ protocol: 'TCP', port: 8080 }],
    }]);
    expect(object(s, 'NetworkPolicy', 'churn-egress').spec.egress).toEqual([{ to: [{ ipBlock: { cidr: '10.0.0.0/16' } }], ports: [{ protocol: 'TCP', port: 5432 }] }]);
  });

  test('without clients the ingress policy admits nobody, and no egress policy is created', () => {
    expect(object(s, 'NetworkPolicy', 'churn-gpu-ingress').spec.ingress).toEqual([]);
    expect(allObjects(s).filter((o) => o.metadata.name === 'churn-gpu-egress')).toEqual([]);
  });

  test('GPU option: nvidia.com/gpu requests and limits, toleration and node selector; a digest pins the image', () => {
    const pod = object(s, 'Deployment', 'churn-gpu').spec.template.spec;
    const c = pod.containers[0];
    expect(c.image).toMatch(/@sha256:a{64}$/);
    expect(c.resources).toEqual({ requests: { cpu: '2', memory: '8Gi', 'nvidia.com/gpu': 1 }, limits: { cpu: '2', memory: '10Gi', 'nvidia.com/gpu': 1 } });
    expect(pod.tolerations).toEqual([{ key: 'nvidia.com/gpu', operator: 'Equal', value: 'true', effect: 'NoSchedule' }]);
    expect(pod.nodeSelector).toEqual({ 'mlops.cdktf.io/accelerator': 'nvidia' });
  });
});

describe('ServiceWorkload subclass', () => {
  class Tuned extends ServiceWorkload {
    protected podLabels(): Record<string, string> {
      return { ...super.podLabels(), team: 'fraud' };
    }
    protected containerSecurityContext() {
      return { ...super.containerSecurityContext(), runAsUser: 1000, runAsGroup: 1000 };
    }
  }
  test('overrides protected methods to change defaults', () => {
    const s = synthesize((app) => {
      const { stack, workloads } = base(app);
      new Tuned(stack, 'tuned', minimal(workloads));
    });
    const d = object(s, 'Deployment', 'churn');
    expect(d.spec.template.metadata.labels.team).toBe('fraud');
    expect(d.spec.template.spec.containers[0].securityContext.runAsUser).toBe(1000);
    expect(object(s, 'HorizontalPodAutoscaler', 'churn').spec.minReplicas).toBe(1); // dev profile
    expect(danglingReferences(s)).toEqual([]);
    expect(schemaViolations(allObjects(s))).toEqual([]);
  });
});

describe('ServiceWorkload invalid input', () => {
  const build = (props: Partial<ServiceWorkloadProps>) => () => {
    const app = new App();
    const { stack, workloads } = base(app);
    new ServiceWorkload(stack, 'svc', { ...minimal(workloads), ...props });
  };
  test.each([
    ['acme/churn', /^\[platform\/svc\] image "acme\/churn" is not pinned to a tag or digest\. Fix: use an image such as/],
    ['acme/churn:latest', /^\[platform\/svc\] image "acme\/churn:latest" uses the mutable tag "latest"\. Fix: pin a version tag/],
    ['registry.example:5000/churn', /^\[platform\/svc\] image "registry\.example:5000\/churn" is not pinned to a tag or digest\./],
  ])('image %s is refused', (image, message) => {
    expect(build({ image })).toThrow(message);
  });
  test('minReplicas above maxReplicas', () => {
    expect(build({ minReplicas: 4, maxReplicas: 2 })).toThrow(/^\[platform\/svc\] minReplicas 4 is greater than maxReplicas 2\. Fix: set maxReplicas to at least 4\.$/);
  });
  test.each([0, 101, 55.5])('targetCpuUtilization %s', (t) => {
    expect(build({ targetCpuUtilization: t })).toThrow(new RegExp(`^\\[platform/svc\\] targetCpuUtilization ${t} is outside 1-100\\. Fix: use a percentage from 1 to 100, e\\.g\\. 70\\.$`));
  });
  test('port', () => {
    expect(build({ port: 70000 })).toThrow(/^\[platform\/svc\] port 70000 is not a TCP port\. Fix: use a whole number from 1 to 65535\.$/);
  });
  test('gpu count', () => {
    expect(build({ gpu: { count: 0 } })).toThrow(/^\[platform\/svc\] gpu\.count 0 must be a whole number of at least 1\./);
  });
  test('egress cidr', () => {
    expect(build({ egress: [{ cidr: '10.0.0.0/33', port: 5432 }] })).toThrow(/^\[platform\/svc\] egress cidr "10\.0\.0\.0\/33" is not a valid IPv4 CIDR block\./);
  });
  test('name that is not a DNS label', () => {
    expect(build({ name: 'Churn_Model' })).toThrow(/^\[platform\/svc\] Kubernetes object name \(DNS-1123 label\) name "Churn_Model" is not allowed/);
  });
});
