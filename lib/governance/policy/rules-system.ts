import { PlatformModel } from './model';
import { PolicyRule } from './rule';
import { systemModelOf, SystemModel } from '../system/system-model';
import {
  alertFlows, budgetFlows, clusterFlows, dataFlows, dutyFlows, endpointFlows, iamFlows, imageFlows, networkFlows, placementFlows, SystemFlow,
} from '../system/flows';

const flowRule = (id: string, title: string, anchor: string, fix: string, flows: (s: SystemModel) => SystemFlow[], only?: (f: SystemFlow) => boolean): PolicyRule => ({
  id, title, severity: 'error', anchor, fix, scope: 'system',
  check: (m: PlatformModel) => flows(systemModelOf(m)).filter((f) => f.status !== 'ok' && (!only || only(f)))
    .map((f) => ({ target: f.target, message: f.detail, ...(f.status === 'accepted' ? { accepted: f.detail } : {}) })),
});

/** Rules over the one model of the system: flows that must work end to end. */
export const SYSTEM_RULES: PolicyRule[] = [
  flowRule('MLOPS-FLOW-001', 'Every data location read has a producer', 'cdktf-mlops system model: data flows',
    'grant write on the location to the construct that produces it (bucket.grantWrite(producer, prefix)), or read the prefix the producer writes.',
    dataFlows, (f) => f.kind === 'data-read'),
  flowRule('MLOPS-FLOW-002', 'Every data output has a reader', 'cdktf-mlops system model: data flows',
    'grant read on the location to the construct that consumes it, or stop writing it (remove the grantWrite).',
    dataFlows, (f) => f.kind === 'data-write'),
  flowRule('MLOPS-IAM-003', 'Declared needs allowed by the effective policies', 'cdktf-mlops system model: IAM evaluation (@cloud-copilot/iam-simulate)',
    'make the identity policy, permissions boundary and resource policy (bucket, key, queue, topic, repository) allow what the grant declares, e.g. add the role to the key policy or lift the boundary deny.',
    iamFlows),
  flowRule('MLOPS-IAM-004', 'Separation of duties (register vs approve, key deletion)', 'AWS Well-Architected SEC03-BP02; NIST 800-53 AC-5',
    'give registering (CreateModelPackage as PendingManualApproval) and approving (UpdateModelPackage to Approved) to different roles, and kms:ScheduleKeyDeletion only to administrators outside the platform (the key policy\'s account principal).',
    dutyFlows),
  flowRule('MLOPS-NET-002', 'Declared network paths pass both ends', 'cdktf-mlops system model: Kubernetes NetworkPolicy',
    'add an egress NetworkPolicy in the client namespace allowing the server pods and port, and an ingress NetworkPolicy on the server admitting the client (ModelService clients / FeatureServer clients do).',
    networkFlows),
  flowRule('MLOPS-IMG-001', 'Images come from a pushable repository or are pinned by digest', 'cdktf-mlops system model: images; SLSA build provenance',
    'use an image of a ContainerRegistry repository that a CI role may push to (ContainerRegistry grants it), or pin an external image by digest (image@sha256:...).',
    imageFlows),
  flowRule('MLOPS-K8S-008', 'Pods fit a node pool (selectors, affinity, taints)', 'Kubernetes scheduling: nodeSelector, node affinity, taints and tolerations',
    'select labels a node pool carries and tolerate its taints (GpuNodePool labels mlops.cdktf.io/pool and taints nvidia.com/gpu), or add a node pool for the workload.',
    placementFlows),
  flowRule('MLOPS-COST-003', 'Budget tag filters match tags resources carry', 'AWS Budgets cost filters; AWS Well-Architected COST03-BP02',
    'tag the resources the budget is for with the filtered tag (stack or construct tags), or filter on a tag they carry; activate it as a cost-allocation tag.',
    budgetFlows),
  flowRule('MLOPS-MON-001', 'No alerts on control-plane targets EKS does not expose', 'kube-prometheus-stack on EKS (managed control plane)',
    'set kubeScheduler.enabled, kubeControllerManager.enabled and kubeEtcd.enabled to false and defaultRules.rules.kubeSchedulerAlerting, kubeControllerManager and etcd to false in the kube-prometheus-stack values; do not alert on job="kube-scheduler"/"kube-controller-manager"/"kube-etcd".',
    alertFlows),
  flowRule('MLOPS-EKS-004', 'Resources that need the cluster depend on it', 'Terraform dependency graph (first apply in an empty account)',
    'reference the cluster (cluster_name = cluster.name), add depends_on, or create the resource in the workloads stack applied after the platform stack.',
    clusterFlows),
  flowRule('MLOPS-EKS-005', 'Stacks reach the cluster API from where they are applied', 'CIS EKS 5.4.2 with a reachable endpoint',
    'declare where the stack is applied from (appliedFrom: "cluster-network" for runners inside the VPC), or admit the runner on TCP 443 of the cluster security group, or allow its CIDRs on a public endpoint.',
    endpointFlows),
];
