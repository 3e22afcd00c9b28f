import { Construct } from 'constructs';
import { MlopsStack, StateBackendProps } from './core/mlops-stack';
import { WorkloadsStack } from './core/workloads-stack';
import { AddonsStack } from './core/addons-stack';
import { EnvironmentName, EnvironmentProfile, Profiles, profileFor } from './core/profiles';
import { invalid, show } from './core/errors';
import { checkArn, checkBucketName, checkOneOf, checkRegion, checkTimeZone, checkUnique } from './core/validators';
import { ExistingNetworkAttributes, INetwork, Network, NetworkProps } from './network/network';
import { KeyRing } from './security/key-ring';
import { MlCluster, MlClusterProps } from './compute/ml-cluster';
import { RestrictedNamespace } from './compute/restricted-namespace';
import { DataPlatform, DataPlatformProps } from './data/data-platform';
import { GpuNodePool, GpuNodePoolProps } from './compute/gpu-node-pool';
import { Team, TeamProps } from './compute/team';
import { TrainingSchedule, TrainingScheduleProps } from './compute/training-schedule';
import { RetrainingPipeline, RetrainingPipelineProps } from './pipelines/retraining-pipeline';
import { CiCdAccess, CiCdAccessProps } from './pipelines/ci-cd-access';
import { QueuedRetraining } from './pipelines/queued-retraining';
import { ModelPromotion } from './pipelines/model-promotion';
import { CANDIDATES_PREFIX, candidatesPrefix, PREDICTIONS_ZONE, predictionsPrefix } from './registry/model-locations';
import { PlatformRole } from './security/platform-role';
import { ExperimentTracking, ExperimentTrackingProps } from './registry/experiment-tracking';
import { ModelRegistry, ModelRegistryProps } from './registry/model-registry';
import { ContainerRegistry, ContainerRegistryProps } from './registry/container-registry';
import { FeatureStore, FeatureStoreProps } from './features/feature-store';
import { AlertTopic, AlertTopicProps } from './monitoring/alert-topic';
import { AuditTrail, AuditTrailProps } from './governance/audit-trail';
import { CostControls, CostControlsProps } from './governance/cost-controls';
import { PolicyPack, PolicyPackProps } from './governance/policy-pack';
import { DriftMonitor, DriftMonitorProps } from './monitoring/drift-monitor';
import { ArchitectureDiagram } from './architecture/architecture-diagram';
import { assignLifecyclePhase } from './architecture/lifecycle-phases';
import { BatchDeclaration, ModelDeclaration, ModelServing } from './serving/model-serving';
import { Keda } from './serving/keda';
import { ArgoRollouts } from './serving/argo-rollouts';
import { Observability, ObservabilityProps } from './monitoring/observability';
import { ModelMonitoringOptions } from './monitoring/model-monitoring';
import { monitoredWorkload } from './monitoring/monitored-service';
import { beforePrepare, controllerNeeds, modelServicesIn } from './serving/model-service-wiring';

/** A location in a lake zone of the platform, by zone name. */
export interface PlatformLakeLocation {
  /** Lake zone name (`raw`, `curated`, `features`). */
  readonly zone: string;
  /** Key prefix inside the zone. */
  readonly prefix: string;
  /** Who outside the platform writes it, declared to the system model as its producer. @default none */
  readonly producedBy?: string;
}

/** Props of {@link MlopsPlatform}. */
export interface MlopsPlatformProps {
  /** Platform name, the first words of every resource name, e.g. `acme-mlops`. */
  readonly name: string;
  /** Environment whose profile supplies the defaults. */
  readonly environment: EnvironmentName;
  /** Profile values to override for this platform. @default none */
  readonly profileOverrides?: Partial<Omit<EnvironmentProfile, 'name'>>;
  /** AWS region. */
  readonly region: string;
  /** Tags for every AWS resource; owner, cost-center and data-classification are required (environment is set from the profile). */
  readonly tags: Record<string, string>;
  /** Remote state for every stack (platform, addons, workloads), each at its own key. @default local state */
  readonly backend?: StateBackendProps;
  /** Network to create, or an existing VPC to use. @default a new Network with profile defaults */
  readonly network?: NetworkProps | { readonly existing: ExistingNetworkAttributes };
  /** Cluster settings. @default an MlCluster with profile defaults */
  readonly cluster?: Omit<MlClusterProps, 'network' | 'workloads' | 'addonsStack'>;
  /**
   * The data domain: lake, stream and batch ingestion, schemas, data quality.
   * @default a DataLake with raw, curated and features zones
   */
  readonly data?: Omit<DataPlatformProps, 'network'>;
  /**
   * GPU pools of the cluster (spot with on-demand fallback by default).
   * @default one pool "training": spot, max 4 nodes, on-demand fallback max 2
   */
  readonly gpuPools?: Array<Omit<GpuNodePoolProps, 'cluster'>>;
  /**
   * Teams: a restricted namespace with quotas, RBAC through an access entry, and an identity each.
   * @default none
   */
  readonly teams?: Array<Omit<TeamProps, 'cluster'>>;
  /**
   * Recurring GPU training runs. `team` names one of `teams`; checkpoints go to
   * `checkpoints/<team>/` in the lake zone `checkpointZone`.
   * @default none
   */
  readonly trainingSchedules?: Array<Omit<TrainingScheduleProps, 'team' | 'checkpoints' | 'pool'> & {
    readonly team: string;
    /** GPU pool name. @default the first GPU pool */
    readonly pool?: string;
    /** Lake zone holding checkpoints. @default "curated" */
    readonly checkpointZone?: string;
  }>;
  /**
   * Retraining pipelines. `team` names one of `teams`; checkpoints go to `checkpoints/<team>/`,
   * candidate models to `model-candidates/<name>/` in the lake zone `modelZone`. A pipeline that
   * names its `servedModel` registers into that model's registry group, and a ModelPromotion copies
   * each approved package to where the model is served (`models/<model>/`). Two engines: `step-functions` (a state
   * machine running the Job with eks:runJob; needs a cluster with publicEndpointCidrs) and `queue`
   * (EventBridge -> SQS -> a KEDA ScaledJob in the cluster; works on private clusters).
   * @default none
   */
  readonly retrainingPipelines?: Array<Omit<RetrainingPipelineProps, 'team' | 'checkpoints' | 'models' | 'pool' | 'alarmTopicArn' | 'modelPackageGroupName'> & {
    readonly team: string;
    /**
     * The serving model (`serving.models[].name`) this pipeline retrains: it registers into the
     * model's `modelRegistry` group, and approved packages are promoted to where the model is served.
     * @default none (the candidates are registered in `modelPackageGroupName` and never served)
     */
    readonly servedModel?: string;
    /** Model package group registered in. @default the modelRegistry group of `servedModel` */
    readonly modelPackageGroupName?: string;
    /** Alarm topic. @default the platform alert topic */
    readonly alarmTopicArn?: string;
    /** Model of a drift monitor whose alarms trigger this pipeline. @default none */
    readonly driftMonitor?: string;
    /** @default "queue" on a private cluster, "step-functions" when the cluster has publicEndpointCidrs. The queue engine schedules in UTC only (a scheduleTimeZone other than UTC is an error). */
    readonly engine?: 'queue' | 'step-functions';
    /** GPU pool name. @default the first GPU pool */
    readonly pool?: string;
    /** Lake zone holding checkpoints and models. @default "curated" */
    readonly modelZone?: string;
  }>;
  /**
   * Keyless CI/CD access (OIDC). The state bucket, key prefix and KMS key default to `backend`.
   * @default none
   */
  readonly ciCd?: Omit<CiCdAccessProps, 'stateBucketArn' | 'stateKeyPrefix' | 'stateKmsKeyArn'> & { readonly stateBucketArn?: string };
  /**
   * MLflow tracking server in the system namespace.
   * @default profile defaults; clients: every team namespace
   */
  readonly experimentTracking?: Omit<ExperimentTrackingProps, 'cluster' | 'secretStore' | 'namespace'>;
  /**
   * Model registry (SageMaker model package groups). The CI deploy role of `ciCd` registers and
   * stages versions; only roles in `approverPrincipalArns` may approve for production.
   * @default none
   */
  readonly modelRegistry?: Omit<ModelRegistryProps, 'promoter' | 'approver'> & { readonly approverPrincipalArns: string[] };
  /**
   * ECR repositories: cluster nodes pull, the CI image-push role of `ciCd` pushes.
   * @default none
   */
  readonly containerRegistry?: Omit<ContainerRegistryProps, 'pullers' | 'ci'>;
  /**
   * The feature store (Feast): offline tables in a lake zone, DynamoDB online tables, registry,
   * materialization job and feature server in the system namespace.
   * @default none (a store needs at least one feature view)
   */
  readonly features?: Omit<FeatureStoreProps, 'zone' | 'cluster' | 'namespace'> & {
    /** Lake zone of the offline store and the registry. @default "features" */
    readonly zone?: string;
  };
  /**
   * Drift monitors, one per model. Locations name lake zones; `namespace` defaults to the
   * system namespace. Their alarms notify the alert topic and trigger the retraining pipelines that
   * name the model in `driftMonitor`.
   * @default none
   */
  readonly driftMonitors?: Array<Omit<DriftMonitorProps, 'cluster' | 'alarmTopicArn' | 'baseline' | 'recent' | 'namespace' | 'conceptDrift'> & {
    readonly namespace?: string;
    /** The reference sample; a retraining pipeline naming this monitor in `driftMonitor` refreshes it. */
    readonly baseline: PlatformLakeLocation;
    /** @default `{ zone: 'raw', prefix: 'predictions/<model>/' }`: what the model server captures and batch scoring writes */
    readonly recent?: PlatformLakeLocation;
    readonly conceptDrift?: Omit<NonNullable<DriftMonitorProps['conceptDrift']>, 'predictions' | 'groundTruth'> & {
      /** @default `{ zone: 'raw', prefix: 'predictions/<model>/' }` */
      readonly predictions?: PlatformLakeLocation;
      /** The labels; name their producer in `producedBy` when it is outside the platform. */
      readonly groundTruth: PlatformLakeLocation;
    };
  }>;
  /**
   * Model serving: ModelServices and BatchInference jobs in a restricted namespace. Artifacts default
   * to `models/<name>/` of the curated zone (where RetrainingPipeline writes models). KEDA and Argo
   * Rollouts are installed when a model scales to zero or declares a release (any ModelService in the
   * platform's tree, also one a company stack adds; see docs/extending.md).
   * @default none
   */
  readonly serving?: {
    /** @default "serving" */
    readonly namespace?: string;
    readonly models?: ModelDeclaration[];
    readonly batchJobs?: BatchDeclaration[];
  };
  /**
   * Observability: Container Insights add-on, Prometheus, DCGM exporter; every serving model gets
   * CloudWatch alarms, Prometheus rules and a dashboard.
   * @default everything on, default thresholds for every model
   */
  readonly observability?: Omit<ObservabilityProps, 'cluster' | 'alertTopic' | 'alertEmails' | 'alertHttpsEndpoints'> & {
    /** Thresholds, metric names and KPIs by model name. @default defaults for every model */
    readonly models?: Record<string, ModelMonitoringOptions>;
  };
  /**
   * The alert topic every alarm of the platform notifies, and its subscribers.
   * @default a topic with no subscribers
   */
  readonly alerts?: AlertTopicProps;
  /**
   * Audit trail overrides.
   * @default multi-region CloudTrail with data events on the model artifact, features and lake buckets
   */
  readonly audit?: Partial<Omit<AuditTrailProps, 'accessLogs'>>;
  /**
   * Budgets and cost anomaly detection.
   * @default none
   */
  readonly cost?: Omit<CostControlsProps, 'alertTopic'>;
  /**
   * The policy pack checked at synth over every stack (errors fail the synth; suppressions need a reason).
   * @default every rule, no suppressions
   */
  readonly policy?: PolicyPackProps;
  /**
   * Namespace for the platform's own services (tracking, feature server).
   * @default "mlops-system"
   */
  readonly systemNamespace?: string;
}

/**
 * The whole MLOps platform with sane defaults, as three ordered stacks:
 * - `<id>-platform`: AWS infrastructure (network, keys, cluster, identities, data and ML services),
 *   applied from anywhere with AWS credentials;
 * - `<id>-addons`: the cluster add-on charts (helm releases), and
 * - `<id>-workloads`: the Kubernetes objects, both applied to the platform's cluster from a runner that
 *   reaches its API endpoint (`cluster.privateEndpointSourceCidrs` / `...SecurityGroupIds`, or
 *   `cluster.publicEndpointCidrs`).
 *
 * Deploy platform, then addons, then workloads; each reads the cluster endpoint from the platform outputs.
 */
export class MlopsPlatform extends Construct {
  public readonly platformStack: MlopsStack;
  public readonly workloadsStack: WorkloadsStack;
  /** The add-on charts of the cluster (applied after the platform stack, before the workloads stack). */
  public readonly addonsStack: AddonsStack;
  public readonly network: INetwork;
  public readonly keys: KeyRing;
  public readonly cluster: MlCluster;
  public readonly systemNamespace: RestrictedNamespace;
  public readonly data: DataPlatform;
  public readonly gpuPools: GpuNodePool[];
  public readonly teams: Record<string, Team> = {};
  public readonly trainingSchedules: Record<string, TrainingSchedule> = {};
  public readonly retrainingPipelines: Record<string, RetrainingPipeline | QueuedRetraining> = {};
  /** Promotion of approved packages to serving, by served model. */
  public readonly promotions: Record<string, ModelPromotion> = {};
  public readonly ciCd?: CiCdAccess;
  public readonly experimentTracking: ExperimentTracking;
  public readonly modelRegistry?: ModelRegistry;
  public readonly modelApprover?: PlatformRole;
  public readonly containerRegistry?: ContainerRegistry;
  public readonly features?: FeatureStore;
  public readonly alertTopic: AlertTopic;
  public readonly audit: AuditTrail;
  public readonly costControls?: CostControls;
  public readonly policyPack: PolicyPack;
  public readonly driftMonitors: Record<string, DriftMonitor> = {};
  public readonly servingNamespace?: RestrictedNamespace;
  public readonly serving?: ModelServing;
  public keda?: Keda;
  private readonly props: MlopsPlatformProps;
  public argoRollouts?: ArgoRollouts;
  public readonly observability: Observability;

  constructor(scope: Construct, id: string, props: MlopsPlatformProps) {
    super(scope, id);
    this.props = props;
    if (!/^[a-z][a-z0-9-]*$/.test(props.name)) {
      invalid(this, `name ${show(props.name)} must be lower-case letters, digits and hyphens, starting with a letter.`, 'use a short name such as "acme-mlops".');
    }
    this.validateIdentifiers(props);
    this.platformStack = new MlopsStack(this, `${id}-platform`, {
      profile: profileFor(props.environment, props.profileOverrides),
      region: props.region,
      namePrefix: `${props.name}-${props.environment}`,
      tags: props.tags,
      backend: props.backend,
    });
    this.addonsStack = new AddonsStack(this, `${id}-addons`, { backend: props.backend });
    this.workloadsStack = new WorkloadsStack(this, `${id}-workloads`, { backend: props.backend });
    this.workloadsStack.addDependency(this.platformStack);
    this.keys = KeyRing.of(this.platformStack);
    this.alertTopic = new AlertTopic(this.platformStack, 'alerts', props.alerts);
    this.network = this.createNetwork(props);
    this.cluster = new MlCluster(this.platformStack, 'cluster', {
      ...props.cluster,
      network: this.network,
      workloads: this.workloadsStack,
      addonsStack: this.addonsStack,
    });
    this.systemNamespace = new RestrictedNamespace(this.platformStack, 'system_namespace', {
      workloads: this.workloadsStack,
      name: props.systemNamespace ?? 'mlops-system',
      labels: { 'mlops.cdktf.io/tier': 'platform' },
    });
    this.data = new DataPlatform(this.platformStack, 'data', { alarmTopicArn: this.alertTopic.topicArn, ...props.data, network: this.network });

    const pools = props.gpuPools ?? [{ poolName: 'training', maxSize: 4, fallbackMaxSize: 2 }];
    this.gpuPools = pools.map((p) => new GpuNodePool(this.cluster, `gpu_${p.poolName.replace(/-/g, '_')}`, { ...p, cluster: this.cluster }));
    for (const t of props.teams ?? []) {
      this.teams[t.name] = new Team(this.platformStack, `team_${t.name.replace(/-/g, '_')}`, { ...t, cluster: this.cluster });
    }
    // Before every workload, so that image references into it resolve to its repositories.
    if (props.containerRegistry) {
      this.containerRegistry = new ContainerRegistry(this.platformStack, 'container_registry', { ...props.containerRegistry, pullers: [this.cluster.nodeRole] });
    }
    for (const ts of props.trainingSchedules ?? []) this.addTrainingSchedule(ts);
    if (props.ciCd) {
      const stateBucketArn = props.ciCd.stateBucketArn ?? (props.backend ? `arn:${this.platformStack.partition}:s3:::${props.backend.bucket}` : undefined);
      if (!stateBucketArn) invalid(this, 'ciCd needs the Terraform state bucket, but there is no backend.', 'pass backend, or ciCd.stateBucketArn.');
      this.ciCd = new CiCdAccess(this.platformStack, 'ci', {
        ...props.ciCd,
        stateBucketArn,
        stateKeyPrefix: props.backend?.keyPrefix,
        stateKmsKeyArn: props.backend?.kmsKeyId,
      });
      this.containerRegistry?.grantPush(this.ciCd.imagePushRole);
      // The deploy role applies add-ons and workloads (unless cluster.adminRoleArns names it already); the diff role plans them.
      const deployRoleName = this.ciCd.deployRole.role.nameInput;
      if (!(props.cluster?.adminRoleArns ?? []).some((a) => a.endsWith(`:role/${deployRoleName}`))) this.cluster.addAdminRole('ci_deploy', this.ciCd.deployRole.roleArn);
      this.cluster.addViewerRole('ci_diff', this.ciCd.diffRole.roleArn);
    }

    this.experimentTracking = new ExperimentTracking(this.platformStack, 'experiment_tracking', {
      clients: Object.values(this.teams).map((t) => ({ namespace: t.namespace.name })),
      accessLogs: this.data.lake.accessLogBucket,
      ...props.experimentTracking,
      cluster: this.cluster,
      secretStore: this.cluster.secretStore,
      namespace: this.systemNamespace.name,
    });
    if (props.modelRegistry) {
      if (!this.ciCd) invalid(this, 'modelRegistry is set but ciCd is not, so no CI identity can register model versions.', 'configure ciCd (its deploy role registers and stages versions).');
      const { approverPrincipalArns, ...registry } = props.modelRegistry;
      this.modelApprover = new PlatformRole(this.platformStack, 'model_approver', {
        nameParts: ['model', 'approver'],
        description: 'Approves model versions for production',
        trust: [{ principals: { AWS: approverPrincipalArns }, actions: ['sts:AssumeRole'] }],
      });
      assignLifecyclePhase(this.modelApprover, 'approval');
      this.modelRegistry = new ModelRegistry(this.platformStack, 'model_registry', { ...registry, promoter: this.ciCd.deployRole, approver: this.modelApprover });
    }
    const lake = this.data.lake;
    this.audit = new AuditTrail(this.platformStack, 'audit', {
      accessLogs: lake.accessLogBucket,
      modelBuckets: [this.experimentTracking.artifactBucket],
      featureBuckets: lake.zoneNames.includes('features') ? [lake.bucket('features')] : [],
      lakeBuckets: lake.zoneNames.filter((z) => z !== 'features').map((z) => lake.bucket(z)),
      ...props.audit,
    });
    if (props.cost) this.costControls = new CostControls(this.platformStack, 'cost', { ...props.cost, alertTopic: this.alertTopic });
    if (props.features) {
      const { zone, ...features } = props.features;
      this.features = new FeatureStore(this.platformStack, 'features', {
        ...features,
        zone: this.data.lake.zone(zone ?? 'features'),
        cluster: this.cluster,
        namespace: this.systemNamespace.name,
      });
    }
    if (props.serving) {
      // A model's predictions are captured when a drift monitor reads them (or when the model says so).
      const monitored = new Set((props.driftMonitors ?? []).map((d) => d.model));
      const models = (props.serving.models ?? []).map((m) => ({ ...m, capture: m.capture ?? monitored.has(m.name) }));
      this.servingNamespace = new RestrictedNamespace(this.platformStack, 'serving_namespace', {
        workloads: this.workloadsStack,
        name: props.serving.namespace ?? 'serving',
        labels: { 'mlops.cdktf.io/tier': 'serving' },
      });
      this.serving = new ModelServing(this.platformStack, 'serving', {
        cluster: this.cluster,
        lake: this.data.lake,
        features: this.features,
        namespace: this.servingNamespace.name,
        models,
        batchJobs: props.serving.batchJobs,
      });
    }
    const { models: _monitoring, ...observabilityProps } = props.observability ?? {};
    this.observability = new Observability(this.platformStack, 'observability', { ...observabilityProps, cluster: this.cluster, alertTopic: this.alertTopic });
    // Declared models are wired now (their monitoring and controllers are readable after construction);
    // models a company stack adds to the tree later are wired when app.synth() prepares the stacks.
    this.wireModelServices(false);
    beforePrepare([this.platformStack, this.workloadsStack], () => this.wireModelServices(true));
    for (const dm of props.driftMonitors ?? []) {
      const at = (l: PlatformLakeLocation) => ({ zone: this.data.lake.zone(l.zone), prefix: l.prefix, producedBy: l.producedBy });
      const predictions = { zone: PREDICTIONS_ZONE, prefix: predictionsPrefix(dm.model) };
      this.driftMonitors[dm.model] = new DriftMonitor(this.platformStack, `drift_${dm.model.replace(/-/g, '_')}`, {
        ...dm,
        cluster: this.cluster,
        namespace: dm.namespace ?? this.systemNamespace.name,
        alarmTopicArn: this.alertTopic.topicArn,
        baseline: at(dm.baseline),
        recent: at(dm.recent ?? predictions),
        conceptDrift: dm.conceptDrift ? { ...dm.conceptDrift, predictions: at(dm.conceptDrift.predictions ?? predictions), groundTruth: at(dm.conceptDrift.groundTruth) } : undefined,
      });
    }
    for (const rp of props.retrainingPipelines ?? []) this.addRetrainingPipeline(rp);
    this.addPromotions(props.retrainingPipelines ?? []);
    // A profile without deletion protection (dev) is an explicit opt-out: reported as a warning, not an error.
    // So is a public API endpoint limited to listed CIDRs.
    const profileOptOuts: Record<string, 'warning'> = {
      ...(this.platformStack.profile.deletionProtection ? {} : { 'MLOPS-RDS-002': 'warning' }),
      ...((props.cluster?.publicEndpointCidrs ?? []).length > 0 ? { 'MLOPS-EKS-001': 'warning' } : {}),
    };
    this.policyPack = PolicyPack.applyTo(this, { ...props.policy, severityOverrides: { ...profileOptOuts, ...props.policy?.severityOverrides } });
    // cdktf.out/architecture.html: the platform drawn as the ML lifecycle, from the construct tree.
    ArchitectureDiagram.of(this);
  }

  /**
   * Cross-cutting wiring of every ModelService in this platform's tree on its cluster (declared in
   * serving.models or added by a company stack, subclassed or not): monitoring (alarms, dashboard,
   * Prometheus rules), KEDA when one scales to zero, Argo Rollouts when one declares a release.
   * Idempotent; `final` also checks that observability.models names only models that exist.
   */
  private wireModelServices(final: boolean): void {
    const monitoring = this.props.observability?.models ?? {};
    const models = modelServicesIn(this, this.workloadsStack);
    for (const model of models) {
      if (this.observability.models[model.name]) continue;
      this.observability.monitorService(monitoredWorkload(model.workload, { modelName: model.name, gpu: model.gpu !== undefined }), monitoring[model.name]);
    }
    const needs = controllerNeeds(models);
    if (needs.keda) this.keda ??= new Keda(this.cluster, 'keda', { cluster: this.cluster });
    if (needs.argoRollouts) this.argoRollouts ??= new ArgoRollouts(this.cluster, 'argo_rollouts', { cluster: this.cluster });
    if (!final) return;
    const names = models.map((m) => m.name);
    for (const name of Object.keys(monitoring)) {
      if (!names.includes(name)) invalid(this, `observability.models names ${show(name)}, which is not a serving model.`, `use one of ${names.join(', ') || '(none)'}.`);
    }
  }

  /** The team and GPU pool a schedule or pipeline names; unknown names are errors. */
  private teamAndPool(kind: string, name: string, teamName: string, poolName?: string) {
    const team = this.teams[teamName];
    if (!team) {
      invalid(this, `${kind} ${show(name)} names team ${show(teamName)}, which is not in teams.`,
        `add the team to teams, or use one of ${Object.keys(this.teams).join(', ') || '(none)'}.`);
    }
    const pool = poolName === undefined ? undefined : this.gpuPools.find((p) => p.poolName === poolName);
    if (poolName !== undefined && !pool) {
      invalid(this, `${kind} ${show(name)} names GPU pool ${show(poolName)}, which is not in gpuPools.`, `use one of ${this.gpuPools.map((p) => p.poolName).join(', ')}.`);
    }
    return { team, pool };
  }

  private addRetrainingPipeline(rp: NonNullable<MlopsPlatformProps['retrainingPipelines']>[number]): void {
    const { team, pool } = this.teamAndPool('retraining pipeline', rp.name, rp.team, rp.pool);
    const { team: _team, pool: _pool, modelZone, driftMonitor, engine: requested, servedModel: _served, ...given } = rp;
    const rest: typeof given & { modelPackageGroupName: string; env?: Record<string, string> } = { ...given, modelPackageGroupName: this.modelPackageGroupOf(rp) };
    const bucket = this.data.lake.zone(modelZone ?? 'curated').bucket;
    const drift = driftMonitor === undefined ? undefined : this.driftMonitors[driftMonitor];
    if (driftMonitor !== undefined && !drift) {
      invalid(this, `retraining pipeline ${show(rp.name)} names drift monitor ${show(driftMonitor)}, which is not in driftMonitors.`,
        `use one of ${Object.keys(this.driftMonitors).join(', ') || '(none)'}.`);
    }
    const engine = requested ?? ((this.props.cluster?.publicEndpointCidrs ?? []).length > 0 ? 'step-functions' : 'queue');
    if (drift) {
      // The run that retrains the model writes the drift monitor's new baseline (its training sample's profile).
      drift.grantWriteBaseline(team.identity);
      rest.env = { ...rest.env, DRIFT_BASELINE_URI: drift.baselineUri };
    }
    const driftAlarmArns = [...(rp.driftAlarmArns ?? []), ...(drift?.alarmArns ?? [])];
    const id = `retraining_${rp.name.replace(/-/g, '_')}`;
    if (engine === 'queue') {
      const keda = this.keda ?? (this.keda = new Keda(this.cluster, 'keda', { cluster: this.cluster }));
      const { alarmTopicArn, scheduleTimeZone, contentTypes: _ct, responseTypes: _rt, ...job } = rest;
      // The queue engine's schedule is an EventBridge rule, which runs in UTC only: a time zone it cannot honour is an error.
      if (scheduleTimeZone !== undefined && !['UTC', 'Etc/UTC'].includes(scheduleTimeZone)) {
        invalid(this, `retraining pipeline ${show(rp.name)} runs on the queue engine, whose schedule (an EventBridge rule) is in UTC only, but scheduleTimeZone is ${show(scheduleTimeZone)}.`,
          `write the schedule in UTC and drop scheduleTimeZone, or use engine "step-functions" (EventBridge Scheduler, which honours time zones).`);
      }
      this.retrainingPipelines[rp.name] = new QueuedRetraining(this.platformStack, id, {
        ...job,
        alarmTopicArn: alarmTopicArn ?? this.alertTopic.topicArn,
        driftAlarmArns,
        team,
        pool,
        checkpoints: { bucket, prefix: `checkpoints/${rp.team}/` },
        models: { bucket, prefix: CANDIDATES_PREFIX },
        scaler: keda.identity!,
      });
      team.attributeCosts(this.retrainingPipelines[rp.name]);
      return;
    }
    this.retrainingPipelines[rp.name] = new RetrainingPipeline(this.platformStack, id, {
      ...rest,
      alarmTopicArn: rp.alarmTopicArn ?? this.alertTopic.topicArn,
      driftAlarmArns,
      team,
      pool,
      checkpoints: { bucket, prefix: `checkpoints/${rp.team}/` },
      models: { bucket, prefix: candidatesPrefix(rp.name) },
    });
    team.attributeCosts(this.retrainingPipelines[rp.name]);
  }

  /** The group a retraining pipeline registers into: its servedModel's registry group, or the one it names. */
  private modelPackageGroupOf(rp: NonNullable<MlopsPlatformProps['retrainingPipelines']>[number]): string {
    const what = `retraining pipeline ${show(rp.name)}`;
    const model = rp.servedModel;
    if (model === undefined) {
      if (!rp.modelPackageGroupName) invalid(this, `${what} has neither servedModel nor modelPackageGroupName: its candidates have nowhere to be registered.`, 'set servedModel to the serving model it retrains (or modelPackageGroupName).');
      return rp.modelPackageGroupName;
    }
    const served = this.serving?.models ?? {};
    if (!served[model]) {
      invalid(this, `${what} names servedModel ${show(model)}, which is not a serving model.`, `use one of ${Object.keys(served).join(', ') || '(none: declare the model in serving.models)'}.`);
    }
    const registry = this.modelRegistry;
    if (!registry) invalid(this, `${what} serves model ${show(model)}, but there is no modelRegistry to approve its candidates.`, `configure modelRegistry with ${show(model)} in models.`);
    if (!registry.groups[model]) invalid(this, `${what} serves model ${show(model)}, which is not in modelRegistry.models.`, `add ${show(model)} to modelRegistry.models.`);
    if (rp.modelPackageGroupName !== undefined && rp.modelPackageGroupName !== registry.groupNames[model]) {
      invalid(this, `${what} registers into modelPackageGroupName ${show(rp.modelPackageGroupName)}, but its servedModel ${show(model)} is promoted from group ${show(registry.groupNames[model])}.`,
        'drop modelPackageGroupName (servedModel sets it).');
    }
    return registry.groups[model].modelPackageGroupName;
  }

  /** One ModelPromotion per served model that retraining pipelines name: approved packages of its group reach where it is served. */
  private addPromotions(pipelines: NonNullable<MlopsPlatformProps['retrainingPipelines']>): void {
    const byModel = new Map<string, Array<RetrainingPipeline | QueuedRetraining>>();
    for (const rp of pipelines) {
      if (rp.servedModel === undefined) continue;
      byModel.set(rp.servedModel, [...(byModel.get(rp.servedModel) ?? []), this.retrainingPipelines[rp.name]]);
    }
    for (const [model, engines] of byModel) {
      this.promotions[model] = new ModelPromotion(this.platformStack, `promotion_${model.replace(/-/g, '_')}`, {
        model,
        modelPackageGroupName: this.modelRegistry!.groups[model].modelPackageGroupName,
        sources: engines.map((e) => e.candidates),
        destination: this.serving!.models[model].artifacts,
        alarmTopicArn: this.alertTopic.topicArn,
      });
    }
  }

  private addTrainingSchedule(ts: NonNullable<MlopsPlatformProps['trainingSchedules']>[number]): void {
    const { team, pool } = this.teamAndPool('training schedule', ts.name, ts.team, ts.pool);
    const { team: _team, pool: _pool, checkpointZone, ...rest } = ts;
    this.trainingSchedules[ts.name] = new TrainingSchedule(this.platformStack, `training_${ts.name.replace(/-/g, '_')}`, {
      ...rest,
      team,
      pool,
      checkpoints: { bucket: this.data.lake.zone(checkpointZone ?? 'curated').bucket, prefix: `checkpoints/${ts.team}/` },
    });
  }

  /** Creates the network; a subclass may override it to bring its own. */
  protected createNetwork(props: MlopsPlatformProps): INetwork {
    if (props.network && 'existing' in props.network) {
      return Network.fromExisting(this.platformStack, 'network', props.network.existing);
    }
    const clusterName = this.platformStack.naming.name(this, 'eks-cluster');
    return new Network(this.platformStack, 'network', { clusterNames: [clusterName], ...(props.network as NetworkProps | undefined) });
  }

  /** Names, regions and ARNs, checked before anything uses them (issue 15). */
  private validateIdentifiers(props: MlopsPlatformProps): void {
    checkOneOf(this, 'environment', props.environment, Object.keys(Profiles) as EnvironmentName[], 'a known environment');
    checkRegion(this, 'region', props.region);
    if (props.backend) {
      checkBucketName(this, 'backend.bucket', props.backend.bucket);
      if (props.backend.region !== undefined) checkRegion(this, 'backend.region', props.backend.region);
    }
    if (props.modelRegistry?.approverPrincipalArns.length === 0) {
      invalid(this, 'modelRegistry.approverPrincipalArns is empty, so no one could approve a model version for production.', 'list the IAM role ARNs of the release approvers.');
    }
    props.modelRegistry?.approverPrincipalArns.forEach((a, i) => checkArn(this, `modelRegistry.approverPrincipalArns[${i}]`, a, 'iam-principal'));
    props.cluster?.adminRoleArns?.forEach((a, i) => checkArn(this, `cluster.adminRoleArns[${i}]`, a, 'iam-role'));
    props.teams?.forEach((t, i) => checkArn(this, `teams[${i}].accessRoleArn`, t.accessRoleArn, 'iam-role'));
    props.ciCd?.deployPolicyArns?.forEach((a, i) => checkArn(this, `ciCd.deployPolicyArns[${i}]`, a, 'iam-policy'));
    if (props.ciCd?.stateBucketArn !== undefined) checkArn(this, 'ciCd.stateBucketArn', props.ciCd.stateBucketArn, 's3-bucket');
    for (const prop of ['modelBuckets', 'featureBuckets', 'lakeBuckets'] as const) {
      props.audit?.[prop]?.forEach((b, i) => { if (typeof b === 'string') checkArn(this, `audit.${prop}[${i}]`, b, 's3-bucket'); });
    }
    props.trainingSchedules?.forEach((t, i) => { if (t.timeZone !== undefined) checkTimeZone(this, `trainingSchedules[${i}].timeZone`, t.timeZone); });
    props.retrainingPipelines?.forEach((r, i) => { if (r.scheduleTimeZone !== undefined) checkTimeZone(this, `retrainingPipelines[${i}].scheduleTimeZone`, r.scheduleTimeZone); });
    props.serving?.batchJobs?.forEach((b, i) => { if (b.timeZone !== undefined) checkTimeZone(this, `serving.batchJobs[${i}].timeZone`, b.timeZone); });
    checkUnique(this, 'teams', (props.teams ?? []).map((t) => t.name), 'name');
    checkUnique(this, 'gpuPools', (props.gpuPools ?? []).map((p) => p.poolName), 'poolName');
  }
}
