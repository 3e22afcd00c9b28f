import * as fs from 'fs';
import * as path from 'path';
import { Construct } from 'constructs';
import * as k8s from '../core/k8s';
import { ApiObject } from 'cdk8s';
import { CloudwatchMetricAlarm } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';
import { MlopsStack } from '../core/mlops-stack';
import { invalid, show } from '../core/errors';
import { checkName } from '../core/naming';
import { checkKubernetesCron } from '../core/cron';
import { restrictedContainerSecurityContext } from '../core/pod-security';
import { containerResources, forbidConcurrentCronJob, restrictedJobSpec } from '../core/scheduled-job';
import { IDataZone } from '../data/data-zone';
import { ContainerImage, resolveImage } from '../core/container-image';
import { IWorkloadCluster, WorkloadIdentity } from '../security/workload-identity';
import { IGrantable } from '../security/principal';

/** Where a sample lives in the lake: a zone and a key prefix (a folder of .jsonl/.csv files). */
export interface LakeLocation {
  readonly zone: IDataZone;
  /** Key prefix inside the zone, e.g. `churn/baseline/`. */
  readonly prefix: string;
  /**
   * Who outside the platform writes the samples (e.g. "the chargeback export of the payments team"),
   * declared to the system model as their producer. Leave it out when a platform construct is
   * granted write there (a retraining pipeline refreshes the baseline through `grantWriteBaseline`).
   * @default none
   */
  readonly producedBy?: string;
}

/** A monitored feature and its drift thresholds. */
export interface DriftFeature {
  readonly name: string;
  readonly type: 'numeric' | 'categorical';
  /** PSI above which the feature has drifted (common: 0.1 watch, 0.2 act). Must be > 0. */
  readonly psiThreshold: number;
  /** Kolmogorov-Smirnov statistic above which a numeric feature has drifted, in (0, 1]. @default PSI only */
  readonly ksThreshold?: number;
}

/** Concept drift: quality of recent predictions against delayed ground truth. */
export interface ConceptDriftProps {
  readonly task: 'classification' | 'regression';
  /** Logged predictions (records with an id and the prediction), partitioned by day under the prefix (`dt=YYYY-MM-DD/`). */
  readonly predictions: LakeLocation;
  /**
   * Days of prediction partitions joined with the ground truth (labels arrive late, so more than
   * `recentDays`); only these partitions are fetched, so the job's scratch space stays bounded.
   * @default 7
   */
  readonly windowDays?: number;
  /** Ground truth as it arrives (records with the id and the label). */
  readonly groundTruth: LakeLocation;
  /** Quality at training time: accuracy (classification) or mean absolute error (regression). */
  readonly baseline: number;
  /** Degradation from the baseline that raises the alarm (accuracy drop, or MAE increase). Must be > 0. */
  readonly maxDegradation: number;
  /** @default "id" */
  readonly idField?: string;
  /** @default "prediction" */
  readonly predictionField?: string;
  /** @default "label" */
  readonly labelField?: string;
}

/** Props of {@link DriftMonitor}. */
export interface DriftMonitorProps {
  readonly cluster: IWorkloadCluster;
  /** Namespace the job runs in (restricted). */
  readonly namespace: string;
  /** The model monitored (DNS label): names the job, metrics dimension and alarms. */
  readonly model: string;
  /** The training baseline sample. */
  readonly baseline: LakeLocation;
  /** Recent inputs/predictions, partitioned by day under the prefix (`dt=YYYY-MM-DD/`). */
  readonly recent: LakeLocation;
  /** Days of recent partitions compared with the baseline. @default 1 */
  readonly recentDays?: number;
  /** Features and thresholds. */
  readonly features: DriftFeature[];
  /** Concept drift against delayed ground truth. @default none */
  readonly conceptDrift?: ConceptDriftProps;
  /** CronJob schedule (five-field cron). @default "0 * * * *" (hourly) */
  readonly schedule?: string;
  /** SNS topic (ARN) every alarm notifies, on ALARM and on OK. */
  readonly alarmTopicArn: string;
  /**
   * Where the job sends CloudWatch Embedded Metric Format documents: the CloudWatch agent of the
   * amazon-cloudwatch-observability add-on (Observability installs it).
   * @default "tcp://cloudwatch-agent.amazon-cloudwatch.svc.cluster.local:25888"
   */
  readonly emfEndpoint?: string;
  /** CloudWatch namespace of the drift metrics. @default "CdktfMlops/Drift" */
  readonly metricNamespace?: string;
  /**
   * Images of the job (Node.js) and of its sync step (AWS CLI): from the platform's ContainerRegistry,
   * or else pinned by digest.
   * @default DRIFT_IMAGES (from the platform registry's `platform/node` and `platform/aws-cli` mirrors when it has them)
   */
  readonly images?: { readonly job: string | ContainerImage; readonly sync: string | ContainerImage };
}

/** Pinned images of the drift job: Node.js for the computation, the AWS CLI to fetch the samples. */
export const DRIFT_IMAGES = {
  job: 'public.ecr.aws/docker/library/node:20.18.1-alpine3.20',
  sync: 'public.ecr.aws/aws-cli/aws-cli:2.22.35',
};

const SCRIPT = fs.readFileSync(path.join(__dirname, 'drift', 'drift-job.js'), 'utf8');

/**
 * Drift detection for one model: a CronJob that fetches the training baseline and the latest days of
 * inputs/predictions from the lake, computes PSI and Kolmogorov-Smirnov per feature (and, optionally,
 * model quality against delayed ground truth) with the drift job shipped in this package, publishes
 * the values as CloudWatch metrics, and CloudWatch alarms that fire when a feature crosses its
 * threshold or quality degrades. The job's identity can only read the three lake prefixes.
 */
export class DriftMonitor extends Construct {
  public readonly identity: WorkloadIdentity;
  public readonly cronJob: k8s.KubeCronJob;
  public readonly configMap: ApiObject;
  public readonly dataDriftAlarm: CloudwatchMetricAlarm;
  public readonly conceptDriftAlarm?: CloudwatchMetricAlarm;
  public readonly jobName: string;
  /** Where the reference sample is read. */
  public readonly baseline: LakeLocation;

  constructor(scope: Construct, id: string, props: DriftMonitorProps) {
    super(scope, id);
    const stack = MlopsStack.of(this);
    checkName(this, 'k8s-name', props.model);
    checkName(this, 'k8s-namespace', props.namespace);
    this.jobName = checkName(this, 'k8s-name', `drift-${props.model}`);
    const schedule = checkKubernetesCron(this, 'schedule', props.schedule ?? '0 * * * *');
    this.checkProps(props);
    const recentDays = props.recentDays ?? 1;
    const namespace = props.metricNamespace ?? 'CdktfMlops/Drift';
    const images = {
      job: resolveImage(this, 'images.job', props.images?.job ?? ContainerImage.libraryDefault(DRIFT_IMAGES.job)).ref,
      sync: resolveImage(this, 'images.sync', props.images?.sync ?? ContainerImage.libraryDefault(DRIFT_IMAGES.sync)).ref,
    };

    this.identity = new WorkloadIdentity(this, 'identity', {
      cluster: props.cluster,
      namespace: props.namespace,
      serviceAccountName: this.jobName,
      description: `Drift job of model ${props.model}: reads its baseline and recent samples`,
    });
    const locations: Record<string, LakeLocation> = { baseline: props.baseline, recent: props.recent };
    if (props.conceptDrift) {
      locations.predictions = props.conceptDrift.predictions;
      locations.labels = props.conceptDrift.groundTruth;
    }
    for (const loc of Object.values(locations)) {
      loc.zone.bucket.grantRead(this.identity, `${loc.zone.prefix}${normalize(loc.prefix)}`);
      if (loc.producedBy) loc.zone.bucket.declareExternal('write', `${loc.zone.prefix}${normalize(loc.prefix)}`, loc.producedBy);
    }
    this.baseline = props.baseline;

    const config = {
      model: props.model,
      namespace,
      emfEndpoint: props.emfEndpoint ?? 'tcp://cloudwatch-agent.amazon-cloudwatch.svc.cluster.local:25888',
      baseline: '/data/baseline',
      recent: '/data/recent',
      features: props.features,
      ...(props.conceptDrift ? {
        quality: {
          task: props.conceptDrift.task,
          predictions: '/data/predictions',
          groundTruth: '/data/labels',
          idField: props.conceptDrift.idField ?? 'id',
          predictionField: props.conceptDrift.predictionField ?? 'prediction',
          labelField: props.conceptDrift.labelField ?? 'label',
          baseline: props.conceptDrift.baseline,
          maxDegradation: props.conceptDrift.maxDegradation,
        },
      } : {}),
    };

    const k = props.cluster.workloads.scopeFor(this);
    const labels = { 'app.kubernetes.io/name': this.jobName, 'app.kubernetes.io/component': 'drift-monitor', 'mlops.cdktf.io/model': props.model };
    new k8s.KubeServiceAccount(k, 'service-account', {
      metadata: { name: this.jobName, namespace: props.namespace, labels, annotations: this.identity.serviceAccountAnnotations },
      automountServiceAccountToken: false,
    });
    this.configMap = new k8s.KubeConfigMap(k, 'config', {
      metadata: { name: this.jobName, namespace: props.namespace, labels },
      data: { 'drift-job.js': SCRIPT, 'config.json': JSON.stringify(config, null, 2) },
    });
    const s3 = (loc: LakeLocation) => `s3://${loc.zone.bucketName}/${loc.zone.prefix}${normalize(loc.prefix)}`;
    const days = (n: number, from: string, to: string) =>
      `for d in $(seq 0 ${n - 1}); do day=$(date -u -d "@$(( $(date +%s) - d * 86400 ))" +%F); aws s3 sync "${from}dt=$day/" "${to}/dt=$day" --only-show-errors; done`;
    const syncScript = [
      'set -eu',
      `aws s3 sync "${s3(props.baseline)}" /data/baseline --only-show-errors`,
      days(recentDays, s3(props.recent), '/data/recent'),
      ...(props.conceptDrift ? [
        days(props.conceptDrift.windowDays ?? 7, s3(props.conceptDrift.predictions), '/data/predictions'),
        `aws s3 sync "${s3(props.conceptDrift.groundTruth)}" /data/labels --only-show-errors`,
      ] : []),
    ].join('\n');
    this.cronJob = forbidConcurrentCronJob(k, 'cron-job', {
      name: this.jobName,
      namespace: props.namespace,
      labels,
      schedule,
      jobSpec: restrictedJobSpec({
        labels,
        serviceAccountName: this.jobName,
        initContainers: [{
          name: 'fetch-samples',
          image: images.sync,
          command: ['/bin/sh', '-c', syncScript],
          env: [{ name: 'HOME', value: '/tmp' }, { name: 'AWS_REGION', value: stack.region }],
          securityContext: restrictedContainerSecurityContext() as k8s.SecurityContext,
          resources: containerResources('250m', '256Mi'),
          volumeMounts: [{ name: 'data', mountPath: '/data' }, { name: 'tmp', mountPath: '/tmp' }],
        }],
        containers: [{
          name: 'drift',
          image: images.job,
          command: ['node', '/opt/drift/drift-job.js', '/opt/drift/config.json'],
          securityContext: restrictedContainerSecurityContext() as k8s.SecurityContext,
          resources: containerResources('500m', '1Gi'),
          volumeMounts: [{ name: 'data', mountPath: '/data', readOnly: true }, { name: 'code', mountPath: '/opt/drift', readOnly: true }, { name: 'tmp', mountPath: '/tmp' }],
        }],
        volumes: [
          { name: 'data', emptyDir: { sizeLimit: k8s.Quantity.fromString('2Gi') } },
          { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('256Mi') } },
          { name: 'code', configMap: { name: this.jobName } },
        ],
      }),
    });
    new k8s.KubeNetworkPolicy(k, 'allow-emf', {
      metadata: { name: `${this.jobName}-to-cloudwatch-agent`, namespace: props.namespace, labels },
      spec: {
        podSelector: { matchLabels: { 'app.kubernetes.io/name': this.jobName } },
        policyTypes: ['Egress'],
        egress: [{
          to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'amazon-cloudwatch' } } }],
          ports: [{ protocol: 'TCP', port: k8s.IntOrString.fromNumber(25888) }],
        }],
      },
    });

    const alarm = (aid: string, name: string, metric: string, threshold: number, description: string) => new CloudwatchMetricAlarm(this, aid, {
      alarmName: stack.naming.name(this, 'alarm', props.model, name),
      alarmDescription: description,
      namespace,
      metricName: metric,
      dimensions: { Model: props.model },
      statistic: 'Maximum',
      period: 3600,
      evaluationPeriods: 1,
      comparisonOperator: 'GreaterThanThreshold',
      threshold,
      treatMissingData: 'missing',
      alarmActions: [props.alarmTopicArn],
      okActions: [props.alarmTopicArn],
    });
    this.dataDriftAlarm = alarm('data_drift_alarm', 'data-drift', 'DriftedFeatures', 0,
      `Input drift of model ${props.model}: at least one feature crossed its PSI/KS threshold`);
    if (props.conceptDrift) {
      this.conceptDriftAlarm = alarm('concept_drift_alarm', 'concept-drift', 'QualityDegradation', props.conceptDrift.maxDegradation,
        `Concept drift of model ${props.model}: quality against ground truth degraded by more than ${props.conceptDrift.maxDegradation}`);
    }
  }

  /** ARNs of the drift alarms (for retraining triggers). */
  public get alarmArns(): string[] {
    return [this.dataDriftAlarm.arn, ...(this.conceptDriftAlarm ? [this.conceptDriftAlarm.arn] : [])];
  }

  private checkProps(props: DriftMonitorProps): void {
    if (props.features.length === 0) invalid(this, 'no features to monitor.', 'list the model inputs with their psiThreshold.');
    const seen = new Set<string>();
    for (const f of props.features) {
      if (seen.has(f.name)) invalid(this, `feature ${show(f.name)} is listed twice.`, 'list each feature once.');
      seen.add(f.name);
      if (!(f.psiThreshold > 0)) invalid(this, `feature ${show(f.name)} has psiThreshold ${show(f.psiThreshold)}; it must be greater than 0.`, 'use e.g. 0.2 (significant shift) or 0.1 (moderate).');
      if (f.ksThreshold !== undefined && !(f.ksThreshold > 0 && f.ksThreshold <= 1)) {
        invalid(this, `feature ${show(f.name)} has ksThreshold ${show(f.ksThreshold)}; it must be in (0, 1].`, 'use e.g. 0.1.');
      }
      if (f.ksThreshold !== undefined && f.type !== 'numeric') invalid(this, `feature ${show(f.name)} is categorical; the Kolmogorov-Smirnov test needs a numeric feature.`, 'drop ksThreshold or declare the feature numeric.');
    }
    const days = props.recentDays ?? 1;
    if (!Number.isInteger(days) || days < 1 || days > 31) invalid(this, `recentDays ${show(days)} is outside 1-31.`, 'compare 1 to 31 days of recent data.');
    const window = props.conceptDrift?.windowDays ?? 7;
    if (props.conceptDrift && (!Number.isInteger(window) || window < 1 || window > 31)) {
      invalid(this, `conceptDrift.windowDays ${show(window)} is outside 1-31.`, 'join 1 to 31 days of predictions with the ground truth, e.g. 7.');
    }
    if (props.conceptDrift && !(props.conceptDrift.maxDegradation > 0)) {
      invalid(this, `conceptDrift.maxDegradation ${show(props.conceptDrift.maxDegradation)} must be greater than 0.`, 'use e.g. 0.05 (a 5-point accuracy drop).');
    }
    if (!props.alarmTopicArn) invalid(this, 'no alarmTopicArn: a drift alarm without an action would go unseen.', 'pass the platform alert topic ARN.');
  }

  /** `s3://` URI of the baseline, for the job that writes it. */
  public get baselineUri(): string {
    return `s3://${this.baseline.zone.bucketName}/${this.baseline.zone.prefix}${normalize(this.baseline.prefix)}`;
  }

  /** Lets `grantee` (the job that trains the model) write a new baseline sample. */
  public grantWriteBaseline(grantee: IGrantable): void {
    this.baseline.zone.bucket.grantWrite(grantee, `${this.baseline.zone.prefix}${normalize(this.baseline.prefix)}`);
  }
}

function normalize(prefix: string): string {
  const p = prefix.replace(/^\/+/, '');
  return p === '' || p.endsWith('/') ? p : `${p}/`;
}
