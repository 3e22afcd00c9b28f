import { App as Cdk8sApp, Chart } from 'cdk8s';
import * as k8s from '../../lib/core/k8s';
import { schemaViolations } from '../support/synth';

// The shim is typed by cdk8s-plus-28's generated props; `tsc --noEmit` (run by CI) checks that the
// lines marked as expected type errors below fail to compile; this test checks the objects at run time.
describe('lib/core/k8s: generated k8s types, plain ApiObjects', () => {
  const chart = new Chart(new Cdk8sApp(), 'c', { disableResourceNameHashes: true });

  const service = new k8s.KubeService(chart, 'svc', {
    metadata: { name: 'headless', namespace: 'a' },
    spec: { clusterIP: 'None', selector: { app: 'x' }, ports: [{ port: 80, targetPort: 8080 }] },
  });
  // @ts-expect-error the generated props spell it clusterIp; Kubernetes reads clusterIP
  new k8s.KubeService(chart, 'wrong', { metadata: { name: 'w', namespace: 'a' }, spec: { clusterIp: 'None' } });
  const hpa = new k8s.KubeHorizontalPodAutoscalerV2(chart, 'hpa', {
    metadata: { name: 'h', namespace: 'a' },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'd' },
      maxReplicas: 4,
      behavior: { scaleUp: { policies: [{ type: 'Pods', value: 2, periodSeconds: 60 }] } },
    },
  });
  // @ts-expect-error a RoleBinding needs its roleRef
  new k8s.KubeRoleBinding(chart, 'rb', { metadata: { name: 'rb', namespace: 'a' } });
  const limits: k8s.ResourceRequirements = { limits: { memory: k8s.Quantity.fromString('1Gi'), cpu: 2 } };

  test('objects carry their kind and the fields as written', () => {
    expect(service.toJson()).toEqual({
      apiVersion: 'v1', kind: 'Service', metadata: { name: 'headless', namespace: 'a' },
      spec: { clusterIP: 'None', selector: { app: 'x' }, ports: [{ port: 80, targetPort: 8080 }] },
    });
    expect(hpa.toJson().spec.behavior.scaleUp.policies).toEqual([{ type: 'Pods', value: 2, periodSeconds: 60 }]);
    expect(limits).toEqual({ limits: { memory: '1Gi', cpu: 2 } });
    expect(schemaViolations([service.toJson(), hpa.toJson()])).toEqual([]);
  });
});
