import { createHash } from 'crypto';
import { Construct } from 'constructs';
import { DynamodbTable } from '@cdktf/provider-aws/lib/dynamodb-table';
import { GlueCatalogTable } from '@cdktf/provider-aws/lib/glue-catalog-table';
import { LakeformationPermissions } from '@cdktf/provider-aws/lib/lakeformation-permissions';
import { MlopsStack, snake } from '../core/mlops-stack';
import { checkName } from '../core/naming';
import { invalid, show } from '../core/errors';
import { checkDataClassification } from '../core/tagging';
import { IDataZone } from '../data/data-zone';
import { DomainKey } from '../security/domain-key';
import { KeyRing } from '../security/key-ring';
import { IGrantable } from '../security/principal';
import { ENTITY_KEY_TYPES, FEATURE_NAME, FEATURE_TYPES, FeatureType } from './feature-types';

/** An entity a feature view is keyed by (customer, account...): a name and its join key. */
export interface FeatureEntity {
  /** Entity name, e.g. `customer`. */
  readonly name: string;
  /** The join key column, e.g. `customer_id`. Required: an entity without a key is an error. */
  readonly key: string;
  /**
   * Type of the key.
   * @default "string"
   */
  readonly keyType?: FeatureType;
  /** @default none */
  readonly description?: string;
}

/** One feature of a view. */
export interface FeatureField {
  /** Column name, e.g. `orders_30d`. */
  readonly name: string;
  /** Value type: one of {@link FEATURE_TYPES}. */
  readonly type: FeatureType;
  /** @default none */
  readonly description?: string;
}

/** Where the rows of a view come from and how they are time-stamped. */
export interface FeatureSource {
  /**
   * Column holding the event time of a row (Feast's point-in-time joins use it).
   * @default "event_timestamp"
   */
  readonly timestampField?: string;
  /**
   * Column holding the time a row was written, to break ties between rows with the same event time.
   * @default none
   */
  readonly createdTimestampField?: string;
  /**
   * What produces the rows (a job, a pipeline outside the platform), recorded in the registry for
   * lineage and declared to the system model as the producer of the view's offline data. Without it
   * (and without a platform construct granted `grantWriteOffline`), the system check reports that the
   * readers of the view find no data.
   * @default none
   */
  readonly producedBy?: string;
}

/** A feature view as declared in code. */
export interface FeatureViewProps {
  /** View name: lower-case letters, digits and underscores, starting with a letter. */
  readonly name: string;
  /** Version, a whole number from 1. A new version is a new table and a new registry entry. */
  readonly version: number;
  /** The entities the view is keyed by (at least one). */
  readonly entities: FeatureEntity[];
  /** The features (at least one). */
  readonly features: FeatureField[];
  /** Seconds a feature value stays valid (Feast view ttl); 0 means it never expires. */
  readonly ttl: number;
  /** The source of the rows. */
  readonly source: FeatureSource;
  /**
   * Who owns the view (a team or a mailbox), recorded in the registry.
   * @default the store's owner
   */
  readonly owner?: string;
  /**
   * Data classification of the view, recorded in the registry and on its tables: one of public, internal, confidential, restricted (the values of the data-classification tag).
   * @default the store's data classification
   */
  readonly dataClassification?: string;
  /** @default none */
  readonly description?: string;
}

/** What a view needs of its store (the store passes it; views are created with `store.addFeatureView`). */
export interface FeatureViewContext {
  /** Feast project name. */
  readonly project: string;
  /** The lake zone holding the offline store. */
  readonly zone: IDataZone;
  /** Key prefix (inside the zone) of the offline data of every view, ending with `/`. */
  readonly offlinePrefix: string;
  /** Key encrypting the online tables. */
  readonly onlineKey: DomainKey;
  /** Grants use of the online key through DynamoDB, once per identity and kind. */
  readonly grantOnlineKey: (identity: IGrantable, kind: 'decrypt' | 'encrypt-decrypt') => void;
  /** Defaults for owner and classification. */
  readonly owner: string;
  readonly dataClassification: string;
}

/** One entry of the registry document. */
export interface FeatureViewRecord {
  readonly name: string;
  readonly version: number;
  readonly feastName: string;
  readonly description?: string;
  readonly owner: string;
  readonly dataClassification: string;
  readonly entities: Array<{ name: string; key: string; keyType: FeatureType }>;
  readonly features: Array<{ name: string; type: FeatureType }>;
  readonly ttlSeconds: number;
  readonly schemaFingerprint: string;
  readonly source: { timestampField: string; createdTimestampField?: string; producedBy?: string };
  readonly offline: { database: string; table: string; location: string; format: 'parquet'; partitionKeys: string[] };
  readonly online: { store: 'dynamodb'; table: string };
}

/** Actions of online reads (serving). */
export const ONLINE_READ_ACTIONS = ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:DescribeTable'];
/** Actions of online writes (materialization); `feast apply` also calls CreateTable. */
export const ONLINE_WRITE_ACTIONS = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem', 'dynamodb:DescribeTable', 'dynamodb:CreateTable'];
const READ_CATALOG = ['glue:GetDatabase', 'glue:GetTable', 'glue:GetPartition', 'glue:GetPartitions', 'glue:BatchGetPartition'];
const WRITE_CATALOG = ['glue:UpdateTable', 'glue:CreatePartition', 'glue:BatchCreatePartition', 'glue:UpdatePartition', 'glue:BatchUpdatePartition'];
/** The partition column of every offline table (a UTC day, `YYYY-MM-DD`). */
export const OFFLINE_PARTITION_KEY = 'dt';

/**
 * One version of a feature view: an offline Glue table (Parquet, partitioned by day) in the
 * features zone and an online DynamoDB table in the layout Feast's DynamoDB online store reads and
 * writes (`<project>.<name>_v<version>`, hash key `entity_id`). Created by `FeatureStore.addFeatureView`.
 */
export class FeatureView extends Construct {
  /** View name as declared. */
  public readonly viewName: string;
  public readonly version: number;
  /** Name of the view in Feast and of both tables: `<name>_v<version>`. */
  public readonly feastName: string;
  public readonly owner: string;
  public readonly dataClassification: string;
  /** The offline table. */
  public readonly offlineTable: GlueCatalogTable;
  /** The online table. */
  public readonly onlineTable: DynamodbTable;
  /** Name of the online table (`<project>.<name>_v<version>`). */
  public readonly onlineTableName: string;
  /** Name of the offline table. */
  public readonly offlineTableName: string;
  /** Key prefix (inside the zone's bucket) of the view's offline data, ending with `/`. */
  public readonly offlinePrefix: string;
  public readonly entities: ReadonlyArray<Required<Omit<FeatureEntity, 'description'>> & { description?: string }>;
  public readonly features: readonly FeatureField[];
  public readonly ttl: number;
  public readonly source: Required<Pick<FeatureSource, 'timestampField'>> & FeatureSource;
  public readonly description?: string;
  private readonly ctx: FeatureViewContext;
  private readonly granted = new Set<string>();

  constructor(scope: Construct, id: string, props: FeatureViewProps, ctx: FeatureViewContext) {
    super(scope, id);
    const stack = MlopsStack.of(this);
    this.ctx = ctx;
    this.viewName = props.name;
    this.version = props.version;
    this.feastName = `${props.name}_v${props.version}`;
    this.owner = props.owner ?? ctx.owner;
    // It becomes the tables' data-classification tag: the same values as the required tag.
    this.dataClassification = checkDataClassification(this, props.dataClassification ?? ctx.dataClassification,
      props.dataClassification !== undefined ? 'dataClassification' : 'the feature store\'s dataClassification');
    this.entities = props.entities.map((e) => ({ name: e.name, key: e.key, keyType: e.keyType ?? 'string', description: e.description }));
    this.features = props.features;
    this.ttl = props.ttl;
    this.source = { ...props.source, timestampField: props.source.timestampField ?? 'event_timestamp' };
    this.description = props.description;
    this.offlinePrefix = `${ctx.offlinePrefix}${this.feastName}/`;
    if (this.source.producedBy) ctx.zone.bucket.declareExternal('write', `${ctx.zone.prefix}${this.offlinePrefix}`, this.source.producedBy);
    this.offlineTableName = checkName(this, 'glue-table', `${ctx.project}_${this.feastName}`);
    this.onlineTableName = checkName(this, 'dynamodb-table', `${ctx.project}.${this.feastName}`);
    const tags = { 'data-classification': this.dataClassification, 'feature-view': props.name, 'feature-view-version': String(props.version), owner: this.owner };

    const columns = [
      ...this.entities.map((e) => ({ name: e.key, type: FEATURE_TYPES[e.keyType].glue, comment: `join key of entity ${e.name}` })),
      ...props.features.map((f) => ({ name: f.name, type: FEATURE_TYPES[f.type].glue, comment: f.description })),
      { name: this.source.timestampField, type: 'timestamp', comment: 'event time' },
      ...(this.source.createdTimestampField ? [{ name: this.source.createdTimestampField, type: 'timestamp', comment: 'time the row was written' }] : []),
    ];
    this.offlineTable = new GlueCatalogTable(this, 'offline_table', {
      name: this.offlineTableName,
      databaseName: ctx.zone.databaseName,
      description: `Offline store of feature view ${this.feastName}${props.description ? `: ${props.description}` : ''}`,
      owner: this.owner,
      tableType: 'EXTERNAL_TABLE',
      parameters: {
        classification: 'parquet',
        EXTERNAL: 'TRUE',
        'parquet.compression': 'SNAPPY',
        'feature_view': props.name,
        'feature_view_version': String(props.version),
        'data_classification': this.dataClassification,
        'schema_fingerprint': this.schemaFingerprint,
      },
      partitionKeys: [{ name: OFFLINE_PARTITION_KEY, type: 'string', comment: 'UTC day of the event time, YYYY-MM-DD' }],
      storageDescriptor: {
        location: `s3://${ctx.zone.bucketName}/${this.offlinePrefix}`,
        inputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
        outputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
        serDeInfo: { name: 'parquet', serializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe', parameters: { 'serialization.format': '1' } },
        columns,
      },
    });

    const profile = stack.profile;
    this.onlineTable = new DynamodbTable(this, 'online_table', {
      name: this.onlineTableName,
      billingMode: 'PAY_PER_REQUEST',
      // The item layout of Feast's DynamoDB online store: one item per entity key, hash key entity_id (S).
      hashKey: 'entity_id',
      attribute: [{ name: 'entity_id', type: 'S' }],
      pointInTimeRecovery: { enabled: true },
      serverSideEncryption: { enabled: true, kmsKeyArn: ctx.onlineKey.keyArn },
      deletionProtectionEnabled: profile.deletionProtection,
      ttl: { enabled: true, attributeName: 'expires_at' },
      tags,
      lifecycle: profile.preventDestroy ? { preventDestroy: true } : undefined,
    });
  }

  /** A hash of the entities, features and timestamps: a changed schema under the same version shows in the plan. */
  public get schemaFingerprint(): string {
    const schema = {
      entities: this.entities.map((e) => [e.name, e.key, e.keyType]),
      features: this.features.map((f) => [f.name, f.type]),
      timestamps: [this.source.timestampField, this.source.createdTimestampField ?? null],
    };
    return createHash('sha256').update(JSON.stringify(schema)).digest('hex').slice(0, 16);
  }

  /** ARN of the online table. */
  public get onlineTableArn(): string {
    return this.onlineTable.arn;
  }

  /**
   * Serving: read the online table (GetItem, BatchGetItem, Query, DescribeTable on this table only)
   * and decrypt through DynamoDB only. Nothing of the offline store.
   */
  public grantReadOnline(identity: IGrantable): void {
    if (!this.once(identity, 'read-online')) return;
    identity.addToPolicy({ actions: ONLINE_READ_ACTIONS, resources: [this.onlineTable.arn] });
    this.ctx.grantOnlineKey(identity, 'decrypt');
  }

  /**
   * Materialization: write items of the online table (no read of items, no table changes), encrypt
   * through DynamoDB only. `dynamodb:CreateTable` on this exact table is included because `feast
   * apply` calls it and treats "table exists" as success; the table always exists (Terraform owns it).
   */
  public grantWriteOnline(identity: IGrantable): void {
    if (!this.once(identity, 'write-online')) return;
    identity.addToPolicy({ actions: ONLINE_WRITE_ACTIONS, resources: [this.onlineTable.arn] });
    this.ctx.grantOnlineKey(identity, 'encrypt-decrypt');
  }

  /**
   * Training: read the offline table through Lake Formation (DESCRIBE on the database, SELECT and
   * DESCRIBE on this table only), Glue catalog reads of this table, credential vending, and the
   * catalog key through Glue. No direct S3 access, nothing of the online store.
   */
  public grantReadOffline(identity: IGrantable): void {
    if (!this.once(identity, 'read-offline')) return;
    this.lakePermission(identity, 'read', 'database', ['DESCRIBE']);
    this.lakePermission(identity, 'read', 'table', ['SELECT', 'DESCRIBE']);
    identity.addToPolicy({ actions: READ_CATALOG, resources: this.catalogArns() });
    identity.addToPolicy({
      actions: ['lakeformation:GetDataAccess'],
      resources: ['*'],
      wildcardReason: 'lakeformation:GetDataAccess has no resource-level permissions; Lake Formation permissions scope the data',
    });
    KeyRing.of(this).key('catalog').grantDecrypt(identity, 'glue');
  }

  /**
   * Feature pipelines: write Parquet files under the view's prefix (no read, no delete), add and
   * update partitions of this table (Glue and Lake Formation INSERT, ALTER, DESCRIBE), encrypt
   * through S3 and Glue only.
   */
  public grantWriteOffline(identity: IGrantable): void {
    if (!this.once(identity, 'write-offline')) return;
    this.ctx.zone.bucket.grantWrite(identity, `${this.ctx.zone.prefix}${this.offlinePrefix}`);
    identity.addToPolicy({ actions: [...READ_CATALOG, ...WRITE_CATALOG], resources: this.catalogArns() });
    KeyRing.of(this).key('catalog').grantEncryptDecrypt(identity, 'glue');
    this.lakePermission(identity, 'write', 'database', ['DESCRIBE']);
    this.lakePermission(identity, 'write', 'table', ['INSERT', 'ALTER', 'DESCRIBE']);
  }

  /**
   * Materialization only: read the view's Parquet files directly from S3 (Feast's file offline
   * store reads them with pyarrow), decrypt through S3 only. Training readers use
   * {@link grantReadOffline} (Lake Formation) instead.
   */
  public grantReadOfflineFiles(identity: IGrantable): void {
    if (!this.once(identity, 'read-offline-files')) return;
    this.ctx.zone.bucket.grantRead(identity, `${this.ctx.zone.prefix}${this.offlinePrefix}`);
  }

  /** The view as the registry document records it. */
  public toRecord(): FeatureViewRecord {
    return {
      name: this.viewName,
      version: this.version,
      feastName: this.feastName,
      ...(this.description ? { description: this.description } : {}),
      owner: this.owner,
      dataClassification: this.dataClassification,
      entities: this.entities.map((e) => ({ name: e.name, key: e.key, keyType: e.keyType })),
      features: this.features.map((f) => ({ name: f.name, type: f.type })),
      ttlSeconds: this.ttl,
      schemaFingerprint: this.schemaFingerprint,
      source: {
        timestampField: this.source.timestampField,
        ...(this.source.createdTimestampField ? { createdTimestampField: this.source.createdTimestampField } : {}),
        ...(this.source.producedBy ? { producedBy: this.source.producedBy } : {}),
      },
      offline: {
        database: this.ctx.zone.databaseName,
        table: this.offlineTableName,
        location: `s3://${this.ctx.zone.bucketName}/${this.ctx.zone.prefix}${this.offlinePrefix}`,
        format: 'parquet',
        partitionKeys: [OFFLINE_PARTITION_KEY],
      },
      online: { store: 'dynamodb', table: this.onlineTableName },
    };
  }

  private catalogArns(): string[] {
    const stack = MlopsStack.of(this);
    return [
      stack.arn('glue', 'catalog'),
      stack.arn('glue', `database/${this.ctx.zone.databaseName}`),
      stack.arn('glue', `table/${this.ctx.zone.databaseName}/${this.offlineTableName}`),
    ];
  }

  /** Records that `identity` got grant `kind` on this view; false when it already had it (grants are idempotent). */
  public markGranted(identity: IGrantable, kind: string): boolean {
    return this.once(identity, kind);
  }

  /** ARN pattern of the view's offline objects in the zone bucket. */
  public get offlineObjectsArn(): string {
    return `${this.ctx.zone.bucketArn}/${this.ctx.zone.prefix}${this.offlinePrefix}*`;
  }

  private once(identity: IGrantable, kind: string): boolean {
    const k = `${identity.node.path}|${kind}`;
    if (this.granted.has(k)) return false;
    this.granted.add(k);
    return true;
  }

  private lakePermission(identity: IGrantable, kind: 'read' | 'write', on: 'database' | 'table', permissions: string[]): void {
    const who = snake(identity.node.path.split('/').slice(1).join('_'));
    new LakeformationPermissions(this, `${kind}_offline_${on}_${who}`, {
      principal: identity.roleArn,
      permissions,
      database: on === 'database' ? { name: this.ctx.zone.databaseName } : undefined,
      table: on === 'table' ? { databaseName: this.ctx.zone.databaseName, name: this.offlineTableName } : undefined,
      dependsOn: [this.offlineTable],
    });
  }
}

/** Checks a declared view; every problem is an error naming the store, the view and the fix. */
export function checkFeatureView(scope: Construct, v: FeatureViewProps): void {
  const label = `feature view ${show(v.name)}`;
  if (typeof v.name !== 'string' || !FEATURE_NAME.test(v.name)) {
    invalid(scope, `feature view name ${show(v.name)} is not allowed.`, 'use up to 63 lower-case letters, digits and underscores, starting with a letter (a Python identifier).');
  }
  if (!Number.isInteger(v.version) || v.version < 1) {
    invalid(scope, `${label} has version ${show(v.version)}; a version is a whole number from 1.`, 'use 1 for a new view and add 1 for each new version.');
  }
  if (!Array.isArray(v.entities) || v.entities.length === 0) {
    invalid(scope, `${label} version ${v.version} has no entity.`, 'key the view by at least one entity, e.g. { name: "customer", key: "customer_id" }.');
  }
  if (!Array.isArray(v.features) || v.features.length === 0) {
    invalid(scope, `${label} version ${v.version} has no feature.`, 'declare at least one feature, e.g. { name: "orders_30d", type: "int64" }.');
  }
  const columns = new Set<string>();
  const column = (name: string, what: string) => {
    if (columns.has(name)) invalid(scope, `${label} version ${v.version} uses the column ${show(name)} twice (${what}).`, 'give every key, feature and timestamp column its own name.');
    columns.add(name);
  };
  for (const e of v.entities) {
    if (typeof e.name !== 'string' || !FEATURE_NAME.test(e.name)) {
      invalid(scope, `${label} version ${v.version} has an entity named ${show(e.name)}, which is not allowed.`, 'use lower-case letters, digits and underscores, starting with a letter.');
    }
    if (e.key === undefined || e.key === null || e.key === '') {
      invalid(scope, `entity ${show(e.name)} of ${label} version ${v.version} has no key.`, `give it the join key column, e.g. { name: "${e.name}", key: "${e.name}_id" }.`);
    }
    if (!FEATURE_NAME.test(e.key)) {
      invalid(scope, `entity ${show(e.name)} of ${label} version ${v.version} has key ${show(e.key)}, which is not a column name.`, 'use lower-case letters, digits and underscores, starting with a letter.');
    }
    const kt = e.keyType ?? 'string';
    if (!ENTITY_KEY_TYPES.includes(kt)) {
      invalid(scope, `entity ${show(e.name)} of ${label} version ${v.version} has key type ${show(kt)}.`, `use one of ${ENTITY_KEY_TYPES.join(', ')}.`);
    }
    column(e.key, `key of entity ${e.name}`);
  }
  for (const f of v.features) {
    if (typeof f.name !== 'string' || !FEATURE_NAME.test(f.name)) {
      invalid(scope, `${label} version ${v.version} has a feature named ${show(f.name)}, which is not allowed.`, 'use lower-case letters, digits and underscores, starting with a letter.');
    }
    if (!Object.prototype.hasOwnProperty.call(FEATURE_TYPES, f.type)) {
      invalid(scope, `feature ${show(f.name)} of ${label} version ${v.version} has unknown type ${show(f.type)}.`, `use one of ${Object.keys(FEATURE_TYPES).join(', ')}.`);
    }
    column(f.name, 'feature');
  }
  if (!Number.isInteger(v.ttl) || v.ttl < 0) {
    invalid(scope, `${label} version ${v.version} has ttl ${show(v.ttl)}; it must be a whole number of seconds, 0 or more.`, 'use e.g. 86400 (one day), or 0 for values that never expire.');
  }
  if (!v.source) invalid(scope, `${label} version ${v.version} has no source.`, 'pass source: { timestampField: "event_timestamp" }.');
  const ts = v.source.timestampField ?? 'event_timestamp';
  for (const [what, name] of [['timestampField', ts], ['createdTimestampField', v.source.createdTimestampField]] as const) {
    if (name === undefined) continue;
    if (!FEATURE_NAME.test(name)) invalid(scope, `${label} version ${v.version} has source.${what} ${show(name)}, which is not a column name.`, 'use lower-case letters, digits and underscores, starting with a letter.');
    column(name, `source.${what}`);
  }
  if (v.name.length + String(v.version).length + 2 > 63) {
    invalid(scope, `feature view name ${show(v.name)} is too long for its versioned name "${v.name}_v${v.version}".`, 'shorten the view name.');
  }
}
