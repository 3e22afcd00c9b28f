/**
 * The Kubernetes API objects the library creates, typed by cdk8s-plus-28's generated `k8s` imports
 * but without loading them: those types are imported for type checking only, and each object is a
 * plain cdk8s `ApiObject`. The generated module is a megabyte of classes that is a tenth of the
 * reference platform's synth to load, and its per-kind `toJson_…` mappings are identity renames for
 * every field the library sets. `Quantity` and `IntOrString` are plain values here.
 *
 * Use it as the generated module: `import * as k8s from '../core/k8s'`, then
 * `new k8s.KubeDeployment(scope, id, { metadata, spec })`.
 */
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import type * as gen from 'cdk8s-plus-28/lib/imports/k8s';

/**
 * Fields whose JSON names the generated props spell differently (acronyms); the generated `toJson`
 * functions rename them. (`$ref`, `$schema` and `x-kubernetes-*` of CRD schemas are not covered:
 * the library does not define CRDs.)
 */
interface Renamed {
  clientIp: 'clientIP'; clusterIp: 'clusterIP'; datasetUuid: 'datasetUUID'; diskUri: 'diskURI';
  downwardApi: 'downwardAPI'; externalId: 'externalID'; hostIp: 'hostIP'; hostIpc: 'hostIPC';
  hostPid: 'hostPID'; insecureSkipTlsVerify: 'insecureSkipTLSVerify'; loadBalancerIp: 'loadBalancerIP';
  nodeId: 'nodeID'; nonResourceUrLs: 'nonResourceURLs'; openApiv3Schema: 'openAPIV3Schema'; pdId: 'pdID';
  podCidr: 'podCIDR'; podCidRs: 'podCIDRs'; providerId: 'providerID'; scaleIo: 'scaleIO';
  setHostnameAsFqdn: 'setHostnameAsFQDN'; storagePolicyId: 'storagePolicyID'; targetWwNs: 'targetWWNs';
  targetCpuUtilizationPercentage: 'targetCPUUtilizationPercentage'; volumeId: 'volumeID';
}

/**
 * A generated k8s type as the JSON it serializes to: `Quantity` and `IntOrString` as their plain
 * values, dates as strings, acronym fields under their JSON names.
 */
export type Json<T> =
  T extends Date ? string :
  T extends gen.IntOrString | gen.Quantity ? (gen.IntOrString extends T ? string | number : JsonObject<T>) :
  T extends ReadonlyArray<infer U> ? Json<U>[] :
  T extends object ? JsonObject<T> :
  T;

type JsonObject<T> = { [K in keyof T as K extends keyof Renamed ? Renamed[K] : K]: Json<T[K]> };

/** The generated `Quantity` and `IntOrString` factories, returning the plain value they serialize to. */
const plainValue = {
  fromString: (value: string): string => value,
  fromNumber: (value: number): number => value,
};

/** A quantity such as `'512Mi'` or `2`. */
export type Quantity = string | number;
export const Quantity = plainValue;

/** A port or percentage such as `8080` or `'25%'`. */
export type IntOrString = string | number;
export const IntOrString = plainValue;

export type Container = Json<gen.Container>;
export type EnvVar = Json<gen.EnvVar>;
export type JobSpec = Json<gen.JobSpec>;
export type MetricSpecV2 = Json<gen.MetricSpecV2>;
export type NetworkPolicySpec = Json<gen.NetworkPolicySpec>;
export type PodSecurityContext = Json<gen.PodSecurityContext>;
export type PodTemplateSpec = Json<gen.PodTemplateSpec>;
export type Probe = Json<gen.Probe>;
export type ResourceRequirements = Json<gen.ResourceRequirements>;
export type SecurityContext = Json<gen.SecurityContext>;
export type Toleration = Json<gen.Toleration>;
export type Volume = Json<gen.Volume>;
export type VolumeMount = Json<gen.VolumeMount>;

/** The constructor of one kind of API object: `new (scope, id, props)` as the generated class. */
export interface KubeObjectClass<P> {
  new (scope: Construct, id: string, props: Json<P>): ApiObject;
}

/** A plain ApiObject of one kind, typed by the generated props. */
function kind<P>(apiVersion: string, kindName: string): KubeObjectClass<P> {
  return class extends ApiObject {
    constructor(scope: Construct, id: string, props: Json<P>) {
      super(scope, id, { ...(props as object), apiVersion, kind: kindName } as any);
    }
  };
}

export const KubeConfigMap = kind<gen.KubeConfigMapProps>('v1', 'ConfigMap');
export type KubeConfigMap = ApiObject;
export const KubeCronJob = kind<gen.KubeCronJobProps>('batch/v1', 'CronJob');
export type KubeCronJob = ApiObject;
export const KubeDeployment = kind<gen.KubeDeploymentProps>('apps/v1', 'Deployment');
export type KubeDeployment = ApiObject;
export const KubeHorizontalPodAutoscalerV2 = kind<gen.KubeHorizontalPodAutoscalerV2Props>('autoscaling/v2', 'HorizontalPodAutoscaler');
export type KubeHorizontalPodAutoscalerV2 = ApiObject;
export const KubeIngress = kind<gen.KubeIngressProps>('networking.k8s.io/v1', 'Ingress');
export type KubeIngress = ApiObject;
export const KubeJob = kind<gen.KubeJobProps>('batch/v1', 'Job');
export type KubeJob = ApiObject;
export const KubeLimitRange = kind<gen.KubeLimitRangeProps>('v1', 'LimitRange');
export type KubeLimitRange = ApiObject;
export const KubeNamespace = kind<gen.KubeNamespaceProps>('v1', 'Namespace');
export type KubeNamespace = ApiObject;
export const KubeNetworkPolicy = kind<gen.KubeNetworkPolicyProps>('networking.k8s.io/v1', 'NetworkPolicy');
export type KubeNetworkPolicy = ApiObject;
export const KubePodDisruptionBudget = kind<gen.KubePodDisruptionBudgetProps>('policy/v1', 'PodDisruptionBudget');
export type KubePodDisruptionBudget = ApiObject;
export const KubeResourceQuota = kind<gen.KubeResourceQuotaProps>('v1', 'ResourceQuota');
export type KubeResourceQuota = ApiObject;
export const KubeRole = kind<gen.KubeRoleProps>('rbac.authorization.k8s.io/v1', 'Role');
export type KubeRole = ApiObject;
export const KubeRoleBinding = kind<gen.KubeRoleBindingProps>('rbac.authorization.k8s.io/v1', 'RoleBinding');
export type KubeRoleBinding = ApiObject;
export const KubeService = kind<gen.KubeServiceProps>('v1', 'Service');
export type KubeService = ApiObject;
export const KubeServiceAccount = kind<gen.KubeServiceAccountProps>('v1', 'ServiceAccount');
export type KubeServiceAccount = ApiObject;
