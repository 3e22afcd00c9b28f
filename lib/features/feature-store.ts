import { Construct } from 'constructs';
import { Lazy } from 'cdktf';
import { Lazy as K8sLazy, ApiObject } from 'cdk8s';
import * as k8s from '../core/k8s';
import { S3Object } from '@cdktf/provider-aws/lib/s3-object';
import { MlopsStack } from '../core/mlops-stack';
import { checkName } from '../core/naming';
import { invalid, show } from '../core/errors';
import { IDataZone } from '../data/data-zone';
import { DomainKey } from '../security/domain-key';
import { KeyRing } from '../security/key-ring';
import { IGrantable } from '../security/principal';
import { IWorkloadCluster } from '../security/workload-identity';
import { FeatureView, FeatureViewProps, FeatureViewRecord, ONLINE_READ_ACTIONS, ONLINE_WRITE_ACTIONS, checkFeatureView } from './feature-view';
import { FEAST_TABLE_NAME_TEMPLATE, renderFeatureRepo, renderFeatureStoreYaml } from './feast-repo';
import { MaterializationJob, MaterializationProps } from './materialization-job';
import { FeatureServer, FeatureServerProps } from './feature-server';

/** Props of {@link FeatureStore}. */
export interface FeatureStoreProps {
  /** The lake zone holding the offline store and the registry (usually `lake.zone('features')`). */
  readonly zone: IDataZone;
  /**
   * The cluster running the materialization job (and the feature server).
   * @default none: AWS resources and the registry object only, no Kubernetes objects
   */
  readonly cluster?: IWorkloadCluster;
  /**
   * Namespace of the Kubernetes objects (a restricted namespace).
   * @default "mlops-system"
   */
  readonly namespace?: string;
  /**
   * Feast project; the online tables are `<project>.<view>_v<version>`.
   * @default "<platform prefix>_features", e.g. "acme_mlops_prod_features"
   */
  readonly project?: string;
  /**
   * Owner of views that declare none (recorded in the registry).
   * @default the stack's `owner` tag
   */
  readonly owner?: string;
  /**
   * Data classification of views that declare none.
   * @default the stack's `data-classification` tag
   */
  readonly dataClassification?: string;
  /**
   * Feature views to declare at construction (more with {@link FeatureStore.addFeatureView}).
   * @default none
   */
  readonly featureViews?: FeatureViewProps[];
  /**
   * The materialization CronJob (only with a cluster).
   * @default hourly, image FEAST_IMAGE
   */
  readonly materialization?: MaterializationProps;
  /**
   * The Feast feature server (only with a cluster); `false` for none.
   * @default a server with FEAST_IMAGE, profile replicas and no clients admitted
   */
  readonly server?: FeatureServerProps | false;
  /**
   * Kubernetes name of the store's objects (ConfigMap, job, service accounts).
   * @default "feature-store"
   */
  readonly name?: string;
}

/** The registry document (`registry.json`) the store synthesizes. */
export interface FeatureRegistryDocument {
  readonly schemaVersion: 1;
  readonly project: string;
  readonly onlineStore: { type: 'dynamodb'; region: string; tableNameTemplate: string };
  readonly offlineStore: { type: 'glue-parquet'; bucket: string; database: string };
  readonly feastRegistry: string;
  readonly featureViews: FeatureViewRecord[];
}

/**
 * A feature store on AWS, served by Feast:
 *
 * - offline store: per view version a Glue table (Parquet, partitioned by day) in the lake's
 *   features zone, governed by Lake Formation;
 * - online store: per view version a DynamoDB table in Feast's layout (`<project>.<view>_v<n>`,
 *   on-demand, point-in-time recovery, the `features` customer-managed key, deletion protection
 *   and prevent_destroy from the profile, TTL on `expires_at`);
 * - registry: `registry.json` describing every view (keys, features and types, ttl, source, tables,
 *   owner, classification) as an S3 object in the features zone and, with a cluster, in a ConfigMap
 *   next to the generated Feast repo (`feature_store.yaml`, `feature_repo.py`);
 * - with a cluster: a materialization CronJob (`feast apply && feast materialize-incremental`).
 *
 * Views are immutable per version: a new version is a new pair of tables and a new registry entry.
 */
export class FeatureStore extends Construct {
  public readonly project: string;
  public readonly zone: IDataZone;
  /** Key of the online tables. */
  public readonly onlineKey: DomainKey;
  /** The registry document in S3. */
  public readonly registryObject: S3Object;
  /** Key (in the zone's bucket) of registry.json. */
  public readonly registryKey: string;
  /** Key prefix of the registry files (registry.json and Feast's registry). */
  public readonly registryPrefix: string;
  /** `s3://` URI of the protobuf registry `feast apply` writes. */
  public readonly feastRegistryUri: string;
  /** Key prefix (inside the zone) of the offline data. */
  public readonly offlinePrefix: string;
  public readonly namespace: string;
  public readonly name: string;
  public readonly cluster?: IWorkloadCluster;
  /** ConfigMap with feature_store.yaml, feature_repo.py and registry.json (with a cluster). */
  public readonly repoConfigMap?: ApiObject;
  /** The materialization job (with a cluster). */
  public readonly materialization?: MaterializationJob;
  /** The feature server (with a cluster, unless `server: false`). */
  public readonly server?: FeatureServer;
  private readonly views = new Map<string, FeatureView>();
  private readonly registryReaders = new Set<string>();
  private readonly keyGrants = new Set<string>();
  private readonly owner: string;
  private readonly dataClassification: string;

  constructor(scope: Construct, id: string, props: FeatureStoreProps) {
    super(scope, id);
    const stack = MlopsStack.of(this);
    this.zone = props.zone;
    this.cluster = props.cluster;
    this.project = props.project !== undefined
      ? checkName(this, 'feast-project', props.project)
      : stack.naming.name(this, 'feast-project', 'features');
    this.namespace = checkName(this, 'k8s-namespace', props.namespace ?? 'mlops-system');
    this.name = checkName(this, 'k8s-name', props.name ?? 'feature-store');
    this.owner = props.owner ?? stack.tags.owner;
    this.dataClassification = props.dataClassification ?? stack.tags['data-classification'];
    this.onlineKey = KeyRing.of(this).key('features');
    const base = `${props.zone.prefix}feature-store/${this.project}/`;
    this.registryPrefix = `${base}registry/`;
    this.registryKey = `${this.registryPrefix}registry.json`;
    this.offlinePrefix = `feature-store/${this.project}/offline/`;
    this.feastRegistryUri = `s3://${props.zone.bucketName}/${this.registryPrefix}feast/registry.pb`;

    this.registryObject = new S3Object(this, 'registry', {
      bucket: props.zone.bucketName,
      key: this.registryKey,
      content: Lazy.stringValue({ produce: () => this.renderRegistry() }),
      contentType: 'application/json',
      serverSideEncryption: 'aws:kms',
      kmsKeyId: props.zone.key.keyArn,
      bucketKeyEnabled: true,
    });
    validateRegistryNotEmpty(this);

    for (const v of props.featureViews ?? []) this.addFeatureView(v);

    if (props.cluster) {
      const k = props.cluster.workloads.scopeFor(this);
      this.repoConfigMap = new k8s.KubeConfigMap(k, 'repo', {
        metadata: { name: `${this.name}-repo`, namespace: this.namespace, labels: this.labels('registry') },
        data: K8sLazy.any({
          produce: () => ({
            'feature_store.yaml': this.feastConfigYaml(),
            'feature_repo.py': this.feastRepoPy(),
            'registry.json': this.renderRegistry(),
          }),
        }) as unknown as Record<string, string>,
      });
      this.materialization = new MaterializationJob(this, 'materialization', { store: this, ...props.materialization });
      if (props.server !== false) this.server = new FeatureServer(this, 'server', { store: this, ...props.server });
    }
  }

  /** Declares a view version: a new offline table, online table and registry entry. */
  public addFeatureView(props: FeatureViewProps): FeatureView {
    checkFeatureView(this, props);
    const key = `${props.name}_v${props.version}`;
    if (this.views.has(key)) {
      invalid(this, `feature view ${show(props.name)} version ${props.version} is declared twice.`,
        `declare each version once; to change the view, add version ${Math.max(...this.versionsOf(props.name)) + 1}.`);
    }
    for (const e of props.entities) {
      for (const other of this.views.values()) {
        const same = other.entities.find((o) => o.name === e.name);
        if (same && (same.key !== e.key || same.keyType !== (e.keyType ?? 'string'))) {
          invalid(this, `entity ${show(e.name)} of feature view ${show(props.name)} version ${props.version} has key ${e.key} (${e.keyType ?? 'string'}), but feature view ${show(other.viewName)} version ${other.version} declares it with key ${same.key} (${same.keyType}).`,
            'an entity has one key across the store: use the same key and type, or another entity name.');
        }
      }
    }
    const view = new FeatureView(this, key, props, {
      project: this.project,
      zone: this.zone,
      offlinePrefix: this.offlinePrefix,
      onlineKey: this.onlineKey,
      grantOnlineKey: (identity, kind) => this.grantOnlineKey(identity, kind),
      owner: this.owner,
      dataClassification: this.dataClassification,
    });
    this.views.set(key, view);
    if (this.materialization) this.materialization.allowView(view);
    if (this.server) this.grantReadOnline(this.server.identity, [view]);
    return view;
  }

  /** Region of the store's tables. */
  public get region(): string {
    return MlopsStack.of(this).region;
  }

  /** Every declared view version, in declaration order. */
  public get featureViews(): FeatureView[] {
    return [...this.views.values()];
  }

  /** The view `name` at `version`; an unknown one is an error. */
  public featureView(name: string, version: number): FeatureView {
    const v = this.views.get(`${name}_v${version}`);
    if (!v) {
      invalid(this, `feature view ${show(name)} version ${version} is not declared in this store.`,
        `use one of ${this.featureViews.map((x) => `${x.viewName} v${x.version}`).join(', ') || '(none declared)'}, or declare it with addFeatureView.`);
    }
    return v;
  }

  /**
   * Serving: read the online tables of `views` (default: every view) and the registry. One
   * statement lists the exact table ARNs of the views not granted before (policies stay small).
   */
  public grantReadOnline(identity: IGrantable, views: FeatureView[] = this.featureViews): void {
    const fresh = views.filter((v) => v.markGranted(identity, 'read-online'));
    if (fresh.length > 0) {
      identity.addToPolicy({ actions: ONLINE_READ_ACTIONS, resources: fresh.map((v) => v.onlineTableArn) });
      this.grantOnlineKey(identity, 'decrypt');
    }
    this.grantReadRegistry(identity);
  }

  /**
   * Materialization: write items of the online tables of `views` (no item reads, no DeleteTable);
   * `dynamodb:CreateTable` on the exact ARNs because `feast apply` calls it and treats "table exists"
   * as success (Terraform owns the tables). One statement for the views not granted before.
   */
  public grantWriteOnline(identity: IGrantable, views: FeatureView[]): void {
    const fresh = views.filter((v) => v.markGranted(identity, 'write-online'));
    if (fresh.length === 0) return;
    identity.addToPolicy({ actions: ONLINE_WRITE_ACTIONS, resources: fresh.map((v) => v.onlineTableArn) });
    this.grantOnlineKey(identity, 'encrypt-decrypt');
  }

  /**
   * Materialization only: read the Parquet files of `views` directly from S3 (Feast's file offline
   * store), decrypt through S3 only. Training readers use {@link grantReadOffline} (Lake Formation).
   */
  public grantReadOfflineFiles(identity: IGrantable, views: FeatureView[]): void {
    const fresh = views.filter((v) => v.markGranted(identity, 'read-offline-files'));
    if (fresh.length === 0) return;
    identity.addToPolicy(
      { actions: ['s3:GetObject', 's3:GetObjectVersion'], resources: fresh.map((v) => v.offlineObjectsArn) },
      { actions: ['s3:ListBucket'], resources: [this.zone.bucketArn], conditions: { StringLike: { 's3:prefix': fresh.map((v) => `${this.zone.prefix}${v.offlinePrefix}*`) } } },
    );
    this.zone.key.grantDecrypt(identity, 's3');
  }

  /** Training: read the offline tables of `views` (default: every view) through Lake Formation, and the registry. */
  public grantReadOffline(identity: IGrantable, views: FeatureView[] = this.featureViews): void {
    for (const v of views) v.grantReadOffline(identity);
    this.grantReadRegistry(identity);
  }

  /**
   * Jobs that read the offline data themselves (a plain pod with pyarrow or Feast's file offline
   * store, no Athena or Glue engine to vend Lake Formation credentials): the Glue catalog of `views`
   * (Lake Formation DESCRIBE/SELECT) for schema and partitions, their Parquet files from S3 with KMS
   * decrypt through S3, and the registry. No write.
   */
  public grantReadOfflineDirect(identity: IGrantable, views: FeatureView[] = this.featureViews): void {
    this.grantReadOffline(identity, views);
    this.grantReadOfflineFiles(identity, views);
  }

  /** Feature pipelines: write the offline data of `views` (no default: name the views a pipeline produces). */
  public grantWriteOffline(identity: IGrantable, views: FeatureView[]): void {
    for (const v of views) v.grantWriteOffline(identity);
  }

  /**
   * Read registry.json and Feast's registry (no other object of the bucket). Feast checks the
   * registry bucket with HeadBucket, which needs `s3:ListBucket` without a prefix, so ListBucket is
   * also allowed when the request carries no prefix (`StringLikeIfExists`): such a listing shows key
   * names of the zone bucket, never object contents.
   */
  public grantReadRegistry(identity: IGrantable): void {
    if (this.registryReaders.has(identity.node.path)) return;
    this.registryReaders.add(identity.node.path);
    this.zone.bucket.grantRead(identity, this.registryPrefix);
    identity.addToPolicy({
      sid: 'FeastRegistryHeadBucket',
      actions: ['s3:ListBucket'],
      resources: [this.zone.bucketArn],
      conditions: { StringLikeIfExists: { 's3:prefix': [`${this.registryPrefix}*`] } },
    });
  }

  /** Write Feast's registry file (`feast apply`) under `<registry>/feast/`, not registry.json; includes read of the registry prefix. */
  public grantWriteRegistry(identity: IGrantable): void {
    this.grantReadRegistry(identity);
    this.zone.bucket.grantWrite(identity, `${this.registryPrefix}feast/`);
  }

  /** The registry document: every view version with its tables, owner and classification. */
  public registryDocument(): FeatureRegistryDocument {
    const stack = MlopsStack.of(this);
    return {
      schemaVersion: 1,
      project: this.project,
      onlineStore: { type: 'dynamodb', region: stack.region, tableNameTemplate: FEAST_TABLE_NAME_TEMPLATE },
      offlineStore: { type: 'glue-parquet', bucket: this.zone.bucketName, database: this.zone.databaseName },
      feastRegistry: this.feastRegistryUri,
      featureViews: this.featureViews.map((v) => v.toRecord()),
    };
  }

  /** The generated `feature_store.yaml`. */
  public feastConfigYaml(): string {
    return renderFeatureStoreYaml({
      project: this.project,
      region: MlopsStack.of(this).region,
      registryUri: this.feastRegistryUri,
      registryCacheTtlSeconds: 60,
    });
  }

  /** The generated `feature_repo.py`. */
  public feastRepoPy(): string {
    return renderFeatureRepo(this.featureViews, this.zone.bucketName, this.zone.prefix);
  }

  /** Standard labels of the store's Kubernetes objects. */
  public labels(component: string): Record<string, string> {
    return { 'app.kubernetes.io/name': this.name, 'app.kubernetes.io/component': component, 'app.kubernetes.io/part-of': 'feature-store', 'app.kubernetes.io/managed-by': 'cdktf-mlops' };
  }

  /** Renders registry.json; a subclass may add fields. */
  protected renderRegistry(): string {
    return JSON.stringify(this.registryDocument(), null, 2);
  }

  private grantOnlineKey(identity: IGrantable, kind: 'decrypt' | 'encrypt-decrypt'): void {
    const k = `${identity.node.path}|${kind}`;
    if (this.keyGrants.has(k)) return;
    this.keyGrants.add(k);
    if (kind === 'decrypt') this.onlineKey.grantDecrypt(identity, 'dynamodb');
    else this.onlineKey.grantEncryptDecrypt(identity, 'dynamodb');
  }

  private versionsOf(name: string): number[] {
    return this.featureViews.filter((v) => v.viewName === name).map((v) => v.version);
  }
}

function validateRegistryNotEmpty(store: FeatureStore): void {
  store.node.addValidation({
    validate: () => (store.featureViews.length === 0
      ? ['the feature store declares no feature view. Fix: declare views in featureViews or with addFeatureView(), or drop the store.']
      : []),
  });
}
