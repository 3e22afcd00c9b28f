import { Construct } from 'constructs';
import { ApiObject } from 'cdk8s';
import * as k8s from '../core/k8s';
import { WorkloadsStack } from '../core/workloads-stack';
import { checkName } from '../core/naming';
import { restrictedNamespaceLabels } from '../core/pod-security';

/** Props of {@link RestrictedNamespace}. */
export interface RestrictedNamespaceProps {
  /** The stack that applies the objects. */
  readonly workloads: WorkloadsStack;
  /** Namespace name (DNS-1123 label). */
  readonly name: string;
  /** Extra labels on the namespace. @default none */
  readonly labels?: Record<string, string>;
  /**
   * Allow egress on TCP 443 to any address (AWS APIs through endpoints and S3, model hubs through NAT).
   * @default true
   */
  readonly allowHttpsEgress?: boolean;
}

/**
 * A namespace under the restricted Pod Security Standard (enforce, audit, warn) with a
 * default-deny NetworkPolicy for ingress and egress, and allow rules for DNS, traffic inside the
 * namespace, the EKS Pod Identity agent, and (by default) HTTPS egress. Any other egress is
 * dropped unless allowed explicitly: a ServiceWorkload adds `egress-to-<namespace>-<name>` in each
 * client namespace it admits.
 */
export class RestrictedNamespace extends Construct {
  public readonly name: string;
  public readonly namespace: ApiObject;
  public readonly policies: ApiObject[] = [];

  constructor(scope: Construct, id: string, props: RestrictedNamespaceProps) {
    super(scope, id);
    this.name = checkName(this, 'k8s-namespace', props.name);
    const s = props.workloads.scopeFor(this);
    const ns = props.name;
    this.namespace = new k8s.KubeNamespace(s, 'namespace', {
      metadata: { name: ns, labels: { ...props.labels, ...restrictedNamespaceLabels(), 'app.kubernetes.io/managed-by': 'cdktf-mlops' } },
    });
    const policy = (name: string, spec: k8s.NetworkPolicySpec) =>
      this.policies.push(new k8s.KubeNetworkPolicy(s, name, { metadata: { name, namespace: ns }, spec }));
    policy('default-deny-all', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
    policy('allow-dns', {
      podSelector: {},
      policyTypes: ['Egress'],
      egress: [{
        to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
        ports: [{ protocol: 'UDP', port: k8s.IntOrString.fromNumber(53) }, { protocol: 'TCP', port: k8s.IntOrString.fromNumber(53) }],
      }],
    });
    policy('allow-same-namespace', {
      podSelector: {},
      policyTypes: ['Ingress', 'Egress'],
      ingress: [{ from: [{ podSelector: {} }] }],
      egress: [{ to: [{ podSelector: {} }] }],
    });
    policy('allow-pod-identity-agent', {
      podSelector: {},
      policyTypes: ['Egress'],
      egress: [{ to: [{ ipBlock: { cidr: '169.254.170.23/32' } }], ports: [{ protocol: 'TCP', port: k8s.IntOrString.fromNumber(80) }] }],
    });
    if (props.allowHttpsEgress ?? true) {
      policy('allow-https-egress', {
        podSelector: {},
        policyTypes: ['Egress'],
        egress: [{ ports: [{ protocol: 'TCP', port: k8s.IntOrString.fromNumber(443) }] }],
      });
    }
  }
}
