import { IConstruct } from 'constructs';
import { DataLake } from '../data/data-lake';
import { StreamIngestion } from '../data/stream-ingestion';
import { BatchIngestion } from '../data/batch-ingestion';
import { SchemaRegistry } from '../data/schema-registry';
import { DataValidation } from '../data/data-validation';
import { FeatureStore } from '../features/feature-store';
import { FeatureView } from '../features/feature-view';
import { FeatureServer } from '../features/feature-server';
import { MaterializationJob } from '../features/materialization-job';
import { Team } from '../compute/team';
import { TrainingJob } from '../compute/training-job';
import { TrainingSchedule } from '../compute/training-schedule';
import { GpuNodePool } from '../compute/gpu-node-pool';
import { ExperimentTracking } from '../registry/experiment-tracking';
import { ModelRegistry } from '../registry/model-registry';
import { ContainerRegistry } from '../registry/container-registry';
import { CiCdAccess } from '../pipelines/ci-cd-access';
import { ModelService } from '../serving/model-service';
import { BatchInference } from '../serving/batch-inference';
import { ModelIngress } from '../serving/model-ingress';
import { Observability } from '../monitoring/observability';
import { AlertTopic } from '../monitoring/alert-topic';
import { DriftMonitor } from '../monitoring/drift-monitor';
import { RetrainingPipeline } from '../pipelines/retraining-pipeline';
import { QueuedRetraining } from '../pipelines/queued-retraining';
import { ModelPromotion } from '../pipelines/model-promotion';
import { PredictionCapture } from '../serving/prediction-capture';
import { Network } from '../network/network';
import { KeyRing } from '../security/key-ring';
import { MlCluster } from '../compute/ml-cluster';
import { NodePool } from '../compute/node-pool';
import { ClusterAutoscaler } from '../compute/cluster-autoscaler';
import { MetricsServer } from '../compute/metrics-server';
import { LoadBalancerController } from '../compute/load-balancer-controller';
import { ExternalSecretsOperator } from '../compute/external-secrets-operator';
import { NvidiaDevicePlugin } from '../compute/nvidia-device-plugin';
import { RestrictedNamespace } from '../compute/restricted-namespace';
import { AuditTrail } from '../governance/audit-trail';
import { CostControls } from '../governance/cost-controls';

/**
 * A band of the architecture diagram: a phase of the ML lifecycle (ingest -> validate -> features ->
 * train -> register -> approve -> serve -> monitor -> drift -> retrain), the platform foundation, or "other".
 */
export type LifecyclePhase =
  | 'ingestion' | 'validation' | 'features' | 'training' | 'registry' | 'approval' | 'serving' | 'monitoring' | 'drift' | 'retraining'
  | 'foundation' | 'other';

/** The lifecycle phases in the order they are drawn, then the two bands below them. */
export const LIFECYCLE_PHASES: ReadonlyArray<{ readonly phase: LifecyclePhase; readonly title: string }> = [
  { phase: 'ingestion', title: 'Ingestion' },
  { phase: 'validation', title: 'Validation' },
  { phase: 'features', title: 'Feature store' },
  { phase: 'training', title: 'Training' },
  { phase: 'registry', title: 'Tracking & registry' },
  { phase: 'approval', title: 'Approval & promotion' },
  { phase: 'serving', title: 'Serving' },
  { phase: 'monitoring', title: 'Monitoring' },
  { phase: 'drift', title: 'Drift' },
  { phase: 'retraining', title: 'Retraining' },
  { phase: 'foundation', title: 'Platform foundation' },
  { phase: 'other', title: 'Other' },
];

/**
 * A construct class that declares its phase: `public static readonly lifecyclePhase = 'serving'`
 * (a subclass inherits it, or declares its own).
 */
export interface PhasedClass {
  readonly lifecyclePhase?: LifecyclePhase;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyClass = abstract new (...args: any[]) => IConstruct;

/**
 * The phases of the library's constructs, by class (not by name: a renamed class fails to compile
 * here instead of silently dropping into "other"). A subclass inherits the phase of its nearest
 * listed base class. Built on first use.
 */
let defaults: Map<AnyClass, LifecyclePhase> | undefined;
function defaultPhases(): Map<AnyClass, LifecyclePhase> {
  defaults ??= new Map<AnyClass, LifecyclePhase>([
    ...[DataLake, StreamIngestion, BatchIngestion].map((c) => [c, 'ingestion'] as const),
    ...[SchemaRegistry, DataValidation].map((c) => [c, 'validation'] as const),
    ...[FeatureStore, FeatureView, FeatureServer, MaterializationJob].map((c) => [c, 'features'] as const),
    ...[Team, TrainingJob, TrainingSchedule, GpuNodePool].map((c) => [c, 'training'] as const),
    ...[ExperimentTracking, ModelRegistry, ContainerRegistry].map((c) => [c, 'registry'] as const),
    // CI/CD registers and stages model versions and pushes images: promotion. The approver role is assigned per instance.
    // ModelPromotion copies an approved package to where serving reads.
    ...[CiCdAccess, ModelPromotion].map((c) => [c, 'approval'] as const),
    ...[ModelService, BatchInference, ModelIngress].map((c) => [c, 'serving'] as const),
    ...[Observability, AlertTopic, PredictionCapture].map((c) => [c, 'monitoring'] as const),
    ...[DriftMonitor].map((c) => [c, 'drift'] as const),
    ...[RetrainingPipeline, QueuedRetraining].map((c) => [c, 'retraining'] as const),
    ...[Network, KeyRing, MlCluster, NodePool, ClusterAutoscaler, MetricsServer, LoadBalancerController, ExternalSecretsOperator, NvidiaDevicePlugin,
      RestrictedNamespace, AuditTrail, CostControls].map((c) => [c, 'foundation'] as const),
  ]);
  return defaults;
}

/** Phases given to single constructs (e.g. the platform's model approver role). */
const assigned = new WeakMap<IConstruct, LifecyclePhase>();

/**
 * Puts one construct into `phase` (over its class's phase), e.g. the PlatformRole that approves
 * model versions into "approval". Its children belong to it.
 */
export function assignLifecyclePhase(construct: IConstruct, phase: LifecyclePhase): void {
  assigned.set(construct, phase);
}

/** Matches a construct: a class name (also matching subclasses) or a predicate. */
export type PhaseMatcher = string | ((construct: IConstruct) => boolean);

const registered: Array<{ readonly match: PhaseMatcher; readonly phase: LifecyclePhase }> = [];

/**
 * Puts constructs matching `match` into `phase` of the architecture diagram. Later registrations
 * win over earlier ones and over the defaults; a class name also matches its subclasses.
 *
 *   registerLifecyclePhase('FraudScorer', 'serving');
 *   registerLifecyclePhase((c) => c.node.id.startsWith('lab_'), 'training');
 */
export function registerLifecyclePhase(match: PhaseMatcher, phase: LifecyclePhase): void {
  registered.unshift({ match, phase });
}

/** The classes of `c` from its own class up to (excluding) Object. */
function classesOf(c: IConstruct): Array<AnyClass & PhasedClass> {
  const classes: Array<AnyClass & PhasedClass> = [];
  for (let p = Object.getPrototypeOf(c); p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    if (p.constructor) classes.push(p.constructor);
  }
  return classes;
}

/**
 * The phase of `c`, or undefined when it is not a phase-owning construct. In order: a registration
 * ({@link registerLifecyclePhase}), a phase assigned to the construct ({@link assignLifecyclePhase}),
 * a static `lifecyclePhase` on its class (or a base class), the library's defaults.
 */
export function lifecyclePhaseOf(c: IConstruct): LifecyclePhase | undefined {
  const classes = classesOf(c);
  const names = classes.map((k) => k.name);
  for (const r of registered) {
    if (typeof r.match === 'string' ? names.includes(r.match) : r.match(c)) return r.phase;
  }
  const own = assigned.get(c);
  if (own) return own;
  const declared = classes.find((k) => Object.prototype.hasOwnProperty.call(k, 'lifecyclePhase') && k.lifecyclePhase !== undefined);
  if (declared) return declared.lifecyclePhase;
  const table = defaultPhases();
  for (const k of classes) {
    const phase = table.get(k);
    if (phase) return phase;
  }
  return undefined;
}
