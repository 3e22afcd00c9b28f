import { IConstruct } from 'constructs';

/** A band of the architecture diagram: a lifecycle phase, the platform foundation, or "other". */
export type LifecyclePhase =
  | 'ingestion' | 'validation' | 'features' | 'training' | 'registry' | 'serving' | 'monitoring' | 'retraining'
  | 'foundation' | 'other';

/** The lifecycle phases in the order they are drawn (left to right), then the two bands below them. */
export const LIFECYCLE_PHASES: ReadonlyArray<{ readonly phase: LifecyclePhase; readonly title: string }> = [
  { phase: 'ingestion', title: 'Ingestion' },
  { phase: 'validation', title: 'Validation' },
  { phase: 'features', title: 'Feature store' },
  { phase: 'training', title: 'Training' },
  { phase: 'registry', title: 'Tracking & registry' },
  { phase: 'serving', title: 'Serving' },
  { phase: 'monitoring', title: 'Monitoring' },
  { phase: 'retraining', title: 'Retraining' },
  { phase: 'foundation', title: 'Platform foundation' },
  { phase: 'other', title: 'Other' },
];

/**
 * The phase of the library's constructs, by class name. A subclass (e.g. a company's
 * `AcmeDataLake extends DataLake`) inherits the phase of the nearest registered base class.
 */
const DEFAULT_PHASES: Record<string, LifecyclePhase> = {
  DataLake: 'ingestion', StreamIngestion: 'ingestion', BatchIngestion: 'ingestion', SchemaRegistry: 'validation',
  DataValidation: 'validation',
  FeatureStore: 'features', FeatureView: 'features', FeatureServer: 'features', MaterializationJob: 'features',
  Team: 'training', TrainingJob: 'training', TrainingSchedule: 'training', GpuNodePool: 'training',
  ExperimentTracking: 'registry', ModelRegistry: 'registry', ContainerRegistry: 'registry',
  ModelService: 'serving', BatchInference: 'serving', ModelIngress: 'serving',
  Observability: 'monitoring', DriftMonitor: 'monitoring', AlertTopic: 'monitoring',
  RetrainingPipeline: 'retraining', CiCdAccess: 'retraining',
  Network: 'foundation', KeyRing: 'foundation', MlCluster: 'foundation', NodePool: 'foundation', Karpenter: 'foundation',
  ClusterAutoscaler: 'foundation', MetricsServer: 'foundation', LoadBalancerController: 'foundation',
  ExternalSecretsOperator: 'foundation', NvidiaDevicePlugin: 'foundation', RestrictedNamespace: 'foundation',
  AuditTrail: 'foundation', CostControls: 'foundation', PolicyPack: 'foundation',
};

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

/** The class names of `c` from its own class up to (excluding) Object. */
function classNames(c: IConstruct): string[] {
  const names: string[] = [];
  for (let p = Object.getPrototypeOf(c); p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    if (p.constructor?.name) names.push(p.constructor.name);
  }
  return names;
}

/** The phase of `c`, or undefined when it is not a registered (phase-owning) construct. */
export function lifecyclePhaseOf(c: IConstruct): LifecyclePhase | undefined {
  const names = classNames(c);
  for (const r of registered) {
    if (typeof r.match === 'string' ? names.includes(r.match) : r.match(c)) return r.phase;
  }
  for (const n of names) if (DEFAULT_PHASES[n]) return DEFAULT_PHASES[n];
  return undefined;
}
