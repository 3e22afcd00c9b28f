import { App } from 'cdktf';
import { createReferencePlatform } from '../../examples/enterprise-platform/platform';
import { RestrictedNamespace } from '../../lib/compute/restricted-namespace';
import { ServiceWorkload } from '../../lib/core/service-workload';
import { allObjects, danglingReferences, K8sObject, schemaViolations, synthesize, Synthesized } from '../support/synth';
import { testCluster } from '../support/fixtures';

type Labels = Record<string, string>;
const nsOf = (peer: any): string | undefined => peer?.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'];
const subset = (sel: Labels | undefined, labels: Labels) => Object.entries(sel ?? {}).every(([k, v]) => labels[k] === v);
const portsAllow = (ports: any[] | undefined, port: number | string) => !ports || ports.length === 0 || ports.some((p) => p.port === undefined || String(p.port) === String(port));

/**
 * Every cross-namespace path a NetworkPolicy admits on ingress (client namespace -> server pods:port)
 * that the client namespace's own policies drop on egress: `client -> server-ns/policy:port`.
 * A namespace without any Egress policy lets everything out; one with policies must allow the
 * path by a rule whose `to` (or its absence) reaches the server namespace and pods on that port.
 */
function droppedPaths(objects: K8sObject[]): string[] {
  const policies = objects.filter((o) => o.kind === 'NetworkPolicy') as any[];
  const egressIn = (ns: string) => policies.filter((p) => p.metadata.namespace === ns && (p.spec.policyTypes ?? []).includes('Egress'));
  const dropped: string[] = [];
  for (const ing of policies.filter((p) => (p.spec.policyTypes ?? []).includes('Ingress'))) {
    const serverNs = ing.metadata.namespace;
    const serverLabels: Labels = ing.spec.podSelector?.matchLabels ?? {};
    for (const rule of ing.spec.ingress ?? []) {
      for (const from of rule.from ?? []) {
        const clientNs = nsOf(from);
        if (!clientNs || clientNs === serverNs) continue;
        const egress = egressIn(clientNs);
        if (egress.length === 0) continue;
        for (const port of (rule.ports ?? [{ port: '*' }]).map((p: any) => p.port)) {
          const allowed = egress.some((e) => (subset(e.spec.podSelector?.matchLabels, from.podSelector?.matchLabels ?? {}) || !e.spec.podSelector?.matchLabels)
            && (e.spec.egress ?? []).some((r: any) => portsAllow(r.ports, port) && (!r.to || r.to.some((to: any) =>
              !to.ipBlock && (nsOf(to) === serverNs || (to.namespaceSelector && Object.keys(to.namespaceSelector).length === 0)) && subset(to.podSelector?.matchLabels, serverLabels)))));
          if (!allowed) dropped.push(`${clientNs} -> ${serverNs}/${ing.metadata.name}:${port}`);
        }
      }
    }
  }
  return dropped.sort();
}

describe('network paths of declared clients pass both ends (reference platform)', () => {
  let s: Synthesized;
  beforeAll(() => {
    s = synthesize((app) => createReferencePlatform(app));
  });

  test('the check sees the paths: fraud is admitted into MLflow, the feature server and the models', () => {
    const admitted = (allObjects(s) as any[]).filter((o) => o.kind === 'NetworkPolicy' && (o.spec.ingress ?? []).some((r: any) => (r.from ?? []).some((f: any) => nsOf(f) === 'fraud')))
      .map((o) => `${o.metadata.namespace}/${o.metadata.name}`);
    expect(admitted.length).toBeGreaterThanOrEqual(3);
  });

  test('every ingress rule naming a client namespace has the matching egress rule in that namespace', () => {
    expect(droppedPaths(allObjects(s))).toEqual([]);
  });
});

describe('ServiceWorkload client egress', () => {
  let s: Synthesized;
  beforeAll(() => {
    s = synthesize((app) => {
      const { stack, cluster } = testCluster(app);
      new RestrictedNamespace(stack, 'fraud_ns', { workloads: cluster.workloads, name: 'fraud' });
      new RestrictedNamespace(stack, 'serving_ns', { workloads: cluster.workloads, name: 'serving' });
      new ServiceWorkload(stack, 'scorer', {
        workloads: cluster.workloads, namespace: 'serving', name: 'scorer', image: 'acme/scorer:1.0', port: 8080,
        clients: [{ namespace: 'fraud' }, { namespace: 'growth', podLabels: { app: 'recs' } }, { podLabels: { app: 'ui' } }],
      });
    });
  });

  test('references resolve and every object matches the upstream schemas', () => {
    expect(danglingReferences(s)).toEqual([]);
    expect(schemaViolations(allObjects(s))).toEqual([]);
  });

  test('each client namespace gets one egress policy to the server pods on the server port, with a stable name', () => {
    const egress = (allObjects(s) as any[]).filter((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'egress-to-serving-scorer');
    expect(egress.map((o) => o.metadata.namespace).sort()).toEqual(['fraud', 'growth']);
    const growth = egress.find((o) => o.metadata.namespace === 'growth');
    expect(growth.spec).toEqual({
      podSelector: { matchLabels: { app: 'recs' } },
      policyTypes: ['Egress'],
      egress: [{
        to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'serving' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'scorer', 'app.kubernetes.io/instance': 'serving-scorer' } } }],
        ports: [{ protocol: 'TCP', port: 8080 }],
      }],
    });
    expect(egress.find((o) => o.metadata.namespace === 'fraud').spec.podSelector).toEqual({});
    expect(droppedPaths(allObjects(s))).toEqual([]);
  });

  test('without the egress policy the path is dropped (the check fails)', () => {
    const withoutEgress = allObjects(s).filter((o: any) => !(o.kind === 'NetworkPolicy' && o.metadata.name === 'egress-to-serving-scorer' && o.metadata.namespace === 'fraud'));
    expect(droppedPaths(withoutEgress)).toEqual(['fraud -> serving/scorer-ingress:8080']);
  });
});

test('an ingress rule without any egress rule in the restricted client namespace is a dropped path', () => {
  const s = synthesize((app: App) => {
    const { stack, cluster } = testCluster(app);
    new RestrictedNamespace(stack, 'fraud_ns', { workloads: cluster.workloads, name: 'fraud' });
  });
  const ingress = { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'mlflow-ingress', namespace: 'mlflow' },
    spec: { podSelector: { matchLabels: { app: 'mlflow' } }, policyTypes: ['Ingress'], ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'fraud' } } }], ports: [{ protocol: 'TCP', port: 5000 }] }] } };
  expect(droppedPaths([...allObjects(s), ingress as any])).toEqual(['fraud -> mlflow/mlflow-ingress:5000']);
});
