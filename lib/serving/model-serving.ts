import { Construct } from 'constructs';
import { invalid, show } from '../core/errors';
import { IDataZone } from '../data/data-zone';
import type { FeatureStore } from '../features/feature-store';
import type { FeatureView } from '../features/feature-view';
import { ModelService, ModelServiceProps } from './model-service';
import { BatchInference, BatchInferenceProps } from './batch-inference';
import { IServingCluster, S3Location, ServingGpu, zoneLocation } from './serving-cluster';
import { PREDICTIONS_ZONE, predictionsPrefix, servingPrefix } from '../registry/model-locations';

/** Where the lake zones are (DataLake). */
export interface IZoneSource {
  zone(name: string): IDataZone;
  /** Names of the zones (to explain a missing one). @default unknown */
  readonly zoneNames?: string[];
}

/** A feature view by name and version. */
export interface FeatureViewRef {
  readonly name: string;
  readonly version: number;
}

/** A lake location by zone name and path. */
export interface ZonePath {
  /** @default "curated" */
  readonly zone?: string;
  readonly prefix: string;
}

/** A model declared by name (zones, views and pools by name), as MlopsPlatform takes it. */
export interface ModelDeclaration extends Omit<ModelServiceProps, 'cluster' | 'namespace' | 'artifacts' | 'features' | 'gpu' | 'capture'> {
  /** @default the ModelServing namespace */
  readonly namespace?: string;
  /** @default `{ zone: 'curated', prefix: 'models/<name>/' }` (servingPrefix: where the model's promotion writes approved versions) */
  readonly artifacts?: ZonePath;
  /**
   * Capture the server's predictions into the raw zone under `predictions/<name>/` (a Firehose
   * stream; env PREDICTIONS_STREAM), where the drift monitor reads them.
   * @default true (in MlopsPlatform: true when a drift monitor watches the model)
   */
  readonly capture?: boolean;
  /** Online feature views. @default none */
  readonly features?: FeatureViewRef[];
  /** GPUs, on the pool named `pool`. @default CPU only */
  readonly gpu?: { readonly count?: number; readonly pool?: string };
}

/** A batch job declared by name, as MlopsPlatform takes it. */
export interface BatchDeclaration extends Omit<BatchInferenceProps, 'cluster' | 'namespace' | 'artifacts' | 'predictions' | 'features' | 'inputs' | 'gpu'> {
  /** @default the ModelServing namespace */
  readonly namespace?: string;
  /** Model whose artifacts it scores with. @default `{ zone: 'curated', prefix: 'models/<model>/' }` */
  readonly model: string;
  /** @default `{ zone: 'raw', prefix: 'predictions/<model>/' }` (predictionsPrefix, beside the server's captured predictions, where the drift monitor reads) */
  readonly predictions?: ZonePath;
  readonly features?: FeatureViewRef[];
  readonly inputs?: ZonePath[];
  readonly gpu?: { readonly count?: number; readonly pool?: string };
}

/** Props of {@link ModelServing}. */
export interface ModelServingProps {
  readonly cluster: IServingCluster;
  readonly lake: IZoneSource;
  /** @default none: declarations that name features are errors */
  readonly features?: FeatureStore;
  /** Namespace of the models and jobs (create it as a RestrictedNamespace). */
  readonly namespace: string;
  /** @default none */
  readonly models?: ModelDeclaration[];
  /** @default none */
  readonly batchJobs?: BatchDeclaration[];
}

/**
 * The serving domain of a platform: ModelServices and BatchInference jobs declared by name (lake
 * zones, feature views and GPU pools referenced by name, with clear errors for unknown names).
 * Construct ids are the model and job names, so adding one never renames another.
 */
export class ModelServing extends Construct {
  public readonly models: Record<string, ModelService> = {};
  public readonly batchJobs: Record<string, BatchInference> = {};
  private readonly props: ModelServingProps;

  constructor(scope: Construct, id: string, props: ModelServingProps) {
    super(scope, id);
    this.props = props;
    for (const m of props.models ?? []) this.addModel(m);
    for (const b of props.batchJobs ?? []) this.addBatchJob(b);
  }

  /** Adds a model (construct id `<name>` with `-` as `_`). */
  public addModel(m: ModelDeclaration): ModelService {
    if (this.models[m.name]) invalid(this, `model ${show(m.name)} is declared twice.`, 'give each model a unique name.');
    const { namespace, artifacts, features, gpu, capture, ...rest } = m;
    const model = new ModelService(this, m.name.replace(/-/g, '_'), {
      ...rest,
      cluster: this.props.cluster,
      namespace: namespace ?? this.props.namespace,
      artifacts: this.location(artifacts ?? { prefix: servingPrefix(m.name) }),
      capture: capture ?? true ? { zone: this.captureZone(m.name) } : undefined,
      features: features && features.length > 0 ? { store: this.store(`model ${show(m.name)}`), views: this.views(`model ${show(m.name)}`, features) } : undefined,
      gpu: gpu ? this.gpu(`model ${show(m.name)}`, gpu) : undefined,
    });
    this.models[m.name] = model;
    return model;
  }

  /** Adds a batch job (construct id `batch_<name>`). */
  public addBatchJob(b: BatchDeclaration): BatchInference {
    if (this.batchJobs[b.name]) invalid(this, `batch job ${show(b.name)} is declared twice.`, 'give each batch job a unique name.');
    const { namespace, model, predictions, features, inputs, gpu, ...rest } = b;
    const what = `batch job ${show(b.name)}`;
    const job = new BatchInference(this, `batch_${b.name.replace(/-/g, '_')}`, {
      ...rest,
      cluster: this.props.cluster,
      namespace: namespace ?? this.props.namespace,
      artifacts: this.models[model]?.artifacts ?? this.location({ prefix: servingPrefix(model) }),
      predictions: this.location(predictions ?? { zone: PREDICTIONS_ZONE, prefix: predictionsPrefix(model) }),
      features: features && features.length > 0 ? { store: this.store(what), views: this.views(what, features) } : undefined,
      inputs: inputs?.map((l) => this.location(l)),
      gpu: gpu ? this.gpu(what, gpu) : undefined,
    });
    this.batchJobs[b.name] = job;
    return job;
  }

  private captureZone(model: string): IDataZone {
    const names = this.props.lake.zoneNames;
    if (names && !names.includes(PREDICTIONS_ZONE)) {
      invalid(this, `model ${show(model)} captures its predictions into the ${PREDICTIONS_ZONE} zone, which the lake does not have.`,
        `add a ${PREDICTIONS_ZONE} zone to the lake, or set capture: false on the model (its drift monitor then needs another input).`);
    }
    return this.props.lake.zone(PREDICTIONS_ZONE);
  }

  private location(l: ZonePath): S3Location {
    return zoneLocation(this.props.lake.zone(l.zone ?? 'curated'), l.prefix);
  }

  private store(what: string): FeatureStore {
    if (!this.props.features) invalid(this, `${what} reads feature views but the platform has no feature store.`, 'configure features on the platform, or drop the features of the declaration.');
    return this.props.features;
  }

  private views(what: string, refs: FeatureViewRef[]): FeatureView[] {
    const store = this.store(what);
    return refs.map((r) => {
      const v = store.featureViews.find((x) => x.viewName === r.name && x.version === r.version);
      if (!v) {
        invalid(this, `${what} names feature view ${r.name} v${r.version}, which the feature store does not have.`,
          `use one of ${store.featureViews.map((x) => `${x.viewName} v${x.version}`).join(', ')}.`);
      }
      return v;
    });
  }

  private gpu(what: string, g: { count?: number; pool?: string }): ServingGpu {
    if (g.pool === undefined) return { count: g.count };
    const pool = this.props.cluster.gpuPools.find((p) => p.poolName === g.pool);
    if (!pool) invalid(this, `${what} names GPU pool ${show(g.pool)}, which the cluster does not have.`, `use one of ${this.props.cluster.gpuPools.map((p) => p.poolName).join(', ') || '(none: add a GPU pool)'}.`);
    return { count: g.count, pool };
  }
}
