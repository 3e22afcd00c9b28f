import { Construct } from 'constructs';
import { Fn, ITerraformDependable } from 'cdktf';
import { GlueCatalogDatabase } from '@cdktf/provider-aws/lib/glue-catalog-database';
import { GlueDataCatalogEncryptionSettings } from '@cdktf/provider-aws/lib/glue-data-catalog-encryption-settings';
import { LakeformationResource } from '@cdktf/provider-aws/lib/lakeformation-resource';
import { LakeformationPermissions } from '@cdktf/provider-aws/lib/lakeformation-permissions';
import { LakeformationDataLakeSettings } from '@cdktf/provider-aws/lib/lakeformation-data-lake-settings';
import { DataAwsCallerIdentity } from '@cdktf/provider-aws/lib/data-aws-caller-identity';
import { DataAwsIamSessionContext } from '@cdktf/provider-aws/lib/data-aws-iam-session-context';
import { DataAwsLakeformationDataLakeSettings } from '@cdktf/provider-aws/lib/data-aws-lakeformation-data-lake-settings';
import { MlopsStack, snake } from '../core/mlops-stack';
import { invalid, show } from '../core/errors';
import { BucketTransition, SecureBucket } from '../security/secure-bucket';
import { DomainKey } from '../security/domain-key';
import { KeyRing } from '../security/key-ring';
import { PlatformRole } from '../security/platform-role';
import { IGrantable } from '../security/principal';
import { IDataZone, ZONE_NAME } from './data-zone';

/** One zone of the lake. */
export interface DataZoneProps {
  /** Zone name: lower-case letters, digits and hyphens, starting with a letter, at most 20 characters. */
  readonly name: string;
  /**
   * Storage-class transitions of current objects (infrequent access, Glacier...).
   * @default raw: STANDARD_IA after 30 days, GLACIER_IR after 90; curated: STANDARD_IA after 90; other zones: none
   */
  readonly transitions?: BucketTransition[];
  /**
   * Days a non-current object version is kept.
   * @default the profile's noncurrentVersionRetentionDays
   */
  readonly noncurrentVersionRetentionDays?: number;
  /**
   * Key domain whose customer-managed key encrypts the zone.
   * @default "lake"
   */
  readonly keyDomain?: string;
  /**
   * Description of the zone's Glue database.
   * @default "<zone> zone of the data lake"
   */
  readonly description?: string;
}

/** Props of {@link DataLake}. */
export interface DataLakeProps {
  /**
   * The zones, each a bucket and a Glue database.
   * @default raw, curated and features
   */
  readonly zones?: DataZoneProps[];
  /**
   * Account-wide settings this lake may take over. Each is one per account and region and affects
   * every database and catalog reader in it, not only this platform; each is off unless asked for,
   * and each one taken over is listed in the review report ("Account-wide settings").
   * @default none: the account's Lake Formation settings and Glue Data Catalog encryption are left as they are
   */
  readonly accountSettings?: LakeAccountSettings;
  /**
   * Terraform prevent_destroy on the buckets.
   * @default the profile's preventDestroy (true in prod)
   */
  readonly preventDestroy?: boolean;
}

/**
 * Account-wide settings a {@link DataLake} may manage. Without them, the lake still creates its
 * databases, registrations and Lake Formation grants, which requires the identity running Terraform
 * to be a Lake Formation administrator already (granting permissions, DATA_LOCATION_ACCESS and
 * registering locations with a custom role are administrator operations), and requires the account's
 * defaults for new databases and tables not to grant IAM_ALLOWED_PRINCIPALS (else the lake's
 * databases are governed by IAM and its Lake Formation grants are not in effect).
 */
export interface LakeAccountSettings {
  /**
   * Manage the account's Lake Formation settings (`aws_lakeformation_data_lake_settings`). The
   * administrators become the account's current administrators (read at plan time) plus the
   * identity running Terraform plus `lakeFormationAdmins`; read-only administrators, trusted
   * resource owners and external data filtering keep their current values. The defaults for new
   * databases and tables are set explicitly to none (no IAM_ALLOWED_PRINCIPALS): EVERY database and
   * table created afterwards in this account and region, by anyone, is governed by Lake Formation
   * permissions only.
   * @default false
   */
  readonly manageLakeFormation?: boolean;
  /**
   * Lake Formation administrators added besides the current ones and the identity that runs
   * Terraform (IAM role or user ARNs). Needs `manageLakeFormation`. Taking an ARN out of this list later
   * does not remove it (it is then one of the current administrators): remove it in Lake Formation.
   * @default none
   */
  readonly lakeFormationAdmins?: string[];
  /**
   * Encrypt the account's whole Glue Data Catalog (`aws_glue_data_catalog_encryption_settings`)
   * with this platform's `catalog` key, connection passwords included. EVERY principal of the
   * account that reads the catalog then needs kms:Decrypt on that key.
   * @default false
   */
  readonly manageCatalogEncryption?: boolean;
}
/** The zones of a lake when none are given. */
export const DEFAULT_ZONES: readonly DataZoneProps[] = [
  { name: 'raw', transitions: [{ days: 30, storageClass: 'STANDARD_IA' }, { days: 90, storageClass: 'GLACIER_IR' }] },
  { name: 'curated', transitions: [{ days: 90, storageClass: 'STANDARD_IA' }] },
  { name: 'features' },
];

const READ_CATALOG = ['glue:GetDatabase', 'glue:GetTable', 'glue:GetTables', 'glue:GetPartition', 'glue:GetPartitions', 'glue:BatchGetPartition'];
const WRITE_CATALOG = ['glue:CreateTable', 'glue:UpdateTable', 'glue:CreatePartition', 'glue:BatchCreatePartition', 'glue:UpdatePartition', 'glue:BatchUpdatePartition'];

/** A zone of a {@link DataLake}. */
export class DataZone extends Construct implements IDataZone {
  public readonly zoneName: string;
  public readonly bucket: SecureBucket;
  public readonly prefix = '';
  public readonly key: DomainKey;
  public readonly database: GlueCatalogDatabase;
  /** Name of the zone's Glue database (a reference to the database resource). */
  public readonly databaseName: string;
  /** The bucket's Lake Formation registration. */
  public readonly location: LakeformationResource;

  constructor(scope: Construct, id: string, props: DataZoneProps & { accessLogs: SecureBucket; preventDestroy?: boolean; dataAccessRole: PlatformRole; settings?: ITerraformDependable }) {
    super(scope, id);
    const stack = MlopsStack.of(this);
    this.zoneName = props.name;
    this.key = KeyRing.of(this).key(props.keyDomain ?? 'lake');
    this.bucket = new SecureBucket(this, 'bucket', {
      bucketName: stack.naming.name(this, 's3-bucket', 'lake', props.name),
      encryptionKey: this.key,
      accessLogs: props.accessLogs,
      transitions: props.transitions,
      noncurrentVersionRetentionDays: props.noncurrentVersionRetentionDays,
      preventDestroy: props.preventDestroy,
    });
    this.database = new GlueCatalogDatabase(this, 'database', {
      name: stack.naming.name(this, 'glue-database', 'lake', props.name),
      description: props.description ?? `${props.name} zone of the data lake`,
      locationUri: `s3://${this.bucket.bucketName}/`,
      dependsOn: props.settings ? [props.settings] : undefined,
    });
    this.databaseName = this.database.name;
    // The lake's data access role reads and writes the zone for engines that use Lake Formation credential vending.
    this.bucket.grantRead(props.dataAccessRole);
    this.bucket.grantWrite(props.dataAccessRole);
    this.bucket.grantDelete(props.dataAccessRole);
    this.location = new LakeformationResource(this, 'location', {
      arn: this.bucket.bucketArn,
      roleArn: props.dataAccessRole.roleArn,
      useServiceLinkedRole: false,
      hybridAccessEnabled: false,
      dependsOn: props.settings ? [props.settings] : undefined,
    });
  }

  public get bucketName(): string {
    return this.bucket.bucketName;
  }

  public get bucketArn(): string {
    return this.bucket.bucketArn;
  }

}

/**
 * The data lake: one bucket and one Glue database per zone (raw, curated, features by default).
 *
 * - Buckets are {@link SecureBucket}s: SSE-KMS with the zone's domain key, versioning, public access
 *   blocked, ACLs off, TLS-only policy, server access logs to the lake's log bucket, lifecycle
 *   (abort incomplete uploads, transitions per zone, non-current version expiry), prevent_destroy in prod.
 * - Each bucket is registered with Lake Formation under a dedicated data access role; access to
 *   data is granted per database and table through Lake Formation permissions, not per bucket.
 * - Account-wide settings only when asked for ({@link LakeAccountSettings}): the account's Lake
 *   Formation settings (administrators merged with the current ones, no IAMAllowedPrincipals
 *   defaults) and Glue Data Catalog encryption (SSE-KMS with the `catalog` key).
 */
export class DataLake extends Construct {
  /** The bucket receiving the zones' server access logs. */
  public readonly accessLogBucket: SecureBucket;
  /** The role Lake Formation assumes to read and write registered locations. */
  public readonly dataAccessRole: PlatformRole;
  /** The key encrypting the Glue Data Catalog. */
  public readonly catalogKey: DomainKey;
  /** Account-wide Lake Formation settings (when managed). */
  public readonly settings?: LakeformationDataLakeSettings;
  /** Glue Data Catalog encryption (when managed). */
  public readonly catalogEncryption?: GlueDataCatalogEncryptionSettings;
  private readonly zones = new Map<string, DataZone>();
  private readonly grants = new Set<string>();

  constructor(scope: Construct, id: string, props: DataLakeProps = {}) {
    super(scope, id);
    const stack = MlopsStack.of(this);
    const zoneProps = props.zones ?? DEFAULT_ZONES;
    if (zoneProps.length === 0) invalid(this, 'zones is empty.', 'declare at least one zone, or omit zones for raw, curated and features.');
    const seen = new Set<string>();
    for (const z of zoneProps) {
      if (!ZONE_NAME.test(z.name)) {
        invalid(this, `zone name ${show(z.name)} is not allowed.`, 'use up to 20 lower-case letters, digits and hyphens, starting with a letter.');
      }
      if (seen.has(z.name)) invalid(this, `zone ${show(z.name)} is declared twice.`, 'declare each zone once.');
      seen.add(z.name);
    }
    const legacy = props as { manageAccountSettings?: unknown; lakeFormationAdmins?: unknown };
    if (legacy.manageAccountSettings !== undefined || legacy.lakeFormationAdmins !== undefined) {
      invalid(this, `${legacy.manageAccountSettings !== undefined ? 'manageAccountSettings' : 'lakeFormationAdmins'} is no longer a DataLake prop; account-wide settings are opt-in.`,
        'use accountSettings: { manageLakeFormation: true, lakeFormationAdmins: [...], manageCatalogEncryption: true } for the settings this platform should own, or omit it.');
    }
    const account = props.accountSettings ?? {};
    if (account.lakeFormationAdmins?.length && !account.manageLakeFormation) {
      invalid(this, 'accountSettings.lakeFormationAdmins is set but accountSettings.manageLakeFormation is not.', 'set accountSettings.manageLakeFormation to true (the account\'s Lake Formation settings are then managed here), or drop lakeFormationAdmins.');
    }
    for (const admin of account.lakeFormationAdmins ?? []) {
      if (!/^arn:aws[a-z-]*:iam::\d{12}:(role|user)\/.+$/.test(admin)) {
        invalid(this, `accountSettings.lakeFormationAdmins entry ${show(admin)} is not an IAM role or user ARN.`, 'pass ARNs such as "arn:aws:iam::111122223333:role/data-admins".');
      }
    }
    this.catalogKey = KeyRing.of(this).key('catalog');
    this.dataAccessRole = new PlatformRole(this, 'data_access_role', {
      nameParts: ['lake', 'data-access'],
      description: 'Lake Formation data access role for the registered lake buckets',
      trust: [{
        principals: { Service: 'lakeformation.amazonaws.com' },
        actions: ['sts:AssumeRole'],
        conditions: { StringEquals: { 'aws:SourceAccount': stack.accountId } },
      }],
    });
    this.catalogKey.grantDecrypt(this.dataAccessRole, 'glue');

    if (account.manageLakeFormation) {
      const caller = new DataAwsCallerIdentity(this, 'caller');
      const deployer = new DataAwsIamSessionContext(this, 'deployer', { arn: caller.arn });
      // Merge with what the account has: PutDataLakeSettings replaces the whole settings, and an
      // attribute left out is cleared.
      const current = new DataAwsLakeformationDataLakeSettings(this, 'current_settings');
      this.settings = new LakeformationDataLakeSettings(this, 'settings', {
        admins: Fn.distinct(Fn.concat([current.admins, [deployer.issuerArn, ...(account.lakeFormationAdmins ?? [])]])),
        readOnlyAdmins: current.readOnlyAdmins,
        trustedResourceOwners: current.trustedResourceOwners,
        allowExternalDataFiltering: current.allowExternalDataFiltering,
        externalDataFilteringAllowList: current.externalDataFilteringAllowList,
        authorizedSessionTagValueList: current.authorizedSessionTagValueList,
        // Explicitly none: IAMAllowedPrincipals gets nothing on new databases and tables, so Lake
        // Formation permissions govern them (account-wide, see LakeAccountSettings.manageLakeFormation).
        createDatabaseDefaultPermissions: [],
        createTableDefaultPermissions: [],
      });
    }
    if (account.manageCatalogEncryption) {
      this.catalogEncryption = new GlueDataCatalogEncryptionSettings(this, 'catalog_encryption', {
        dataCatalogEncryptionSettings: {
          encryptionAtRest: { catalogEncryptionMode: 'SSE-KMS', sseAwsKmsKeyId: this.catalogKey.keyArn },
          connectionPasswordEncryption: { returnConnectionPasswordEncrypted: true, awsKmsKeyId: this.catalogKey.keyArn },
        },
      });
    }

    this.accessLogBucket = new SecureBucket(this, 'access_logs', {
      bucketName: stack.naming.name(this, 's3-bucket', 'lake', 'access-logs'),
      isAccessLogTarget: true,
      preventDestroy: props.preventDestroy,
    });
    for (const z of zoneProps) {
      this.zones.set(z.name, new DataZone(this, snake(z.name), {
        ...z,
        accessLogs: this.accessLogBucket,
        preventDestroy: props.preventDestroy,
        dataAccessRole: this.dataAccessRole,
        settings: this.settings,
      }));
    }
  }

  /** Names of the zones, in declaration order. */
  public get zoneNames(): string[] {
    return [...this.zones.keys()];
  }

  /** The zone named `zone`; an unknown name is an error naming the lake. */
  public zone(zone: string): DataZone {
    const z = this.zones.get(zone);
    if (!z) invalid(this, `zone ${show(zone)} is not a zone of this lake.`, `use one of ${this.zoneNames.join(', ')}, or declare it in zones.`);
    return z;
  }

  /** The bucket of `zone`. */
  public bucket(zone: string): SecureBucket {
    return this.zone(zone).bucket;
  }

  /** The Glue database name of `zone`. */
  public database(zone: string): string {
    return this.zone(zone).databaseName;
  }

  /**
   * Read the tables of `zone` through Lake Formation: DESCRIBE on the database, SELECT and DESCRIBE
   * on its tables; in IAM, catalog reads on that database only, the catalog key through Glue, and
   * `lakeformation:GetDataAccess` (credential vending). No direct S3 access to the bucket.
   */
  public grantRead(identity: IGrantable, zone: string): void {
    const z = this.zone(zone);
    if (!this.remember(identity, zone, 'read')) return;
    this.lakePermission(identity, z, 'read', 'database', ['DESCRIBE']);
    this.lakePermission(identity, z, 'read', 'tables', ['SELECT', 'DESCRIBE']);
    identity.addToPolicy({ actions: READ_CATALOG, resources: this.catalogArns(z) });
    identity.addToPolicy({
      actions: ['lakeformation:GetDataAccess'],
      resources: ['*'],
      wildcardReason: 'lakeformation:GetDataAccess has no resource-level permissions; Lake Formation permissions scope the data',
    });
    this.catalogKey.grantDecrypt(identity, 'glue');
  }

  /**
   * Write into `zone`: put objects into the zone's bucket (no read, no delete), create and update
   * tables and partitions of the zone's database (IAM and Lake Formation: CREATE_TABLE, and INSERT,
   * ALTER, DESCRIBE on tables; DATA_LOCATION_ACCESS on the zone's location). Nothing outside the zone.
   */
  public grantWrite(identity: IGrantable, zone: string): void {
    const z = this.zone(zone);
    if (!this.remember(identity, zone, 'write')) return;
    z.bucket.grantWrite(identity, z.prefix);
    this.catalogWrite(identity, z, 'write', ['INSERT', 'ALTER', 'DESCRIBE']);
  }

  /**
   * Catalog the objects of `zone` without changing them (crawlers): create and update tables and
   * partitions of the zone's database (IAM and Lake Formation: CREATE_TABLE and DESCRIBE on the
   * database, ALTER and DESCRIBE on its tables, DATA_LOCATION_ACCESS on the zone's location). No
   * S3 access at all: give the identity read access to the prefixes it catalogs on the bucket.
   */
  public grantCatalogWrite(identity: IGrantable, zone: string): void {
    const z = this.zone(zone);
    if (!this.remember(identity, zone, 'catalog')) return;
    this.catalogWrite(identity, z, 'catalog', ['ALTER', 'DESCRIBE']);
  }

  private catalogWrite(identity: IGrantable, z: DataZone, kind: 'write' | 'catalog', tablePermissions: string[]): void {
    identity.addToPolicy({ actions: [...READ_CATALOG, ...WRITE_CATALOG], resources: this.catalogArns(z) });
    this.catalogKey.grantEncryptDecrypt(identity, 'glue');
    this.lakePermission(identity, z, kind, 'database', ['CREATE_TABLE', 'DESCRIBE']);
    this.lakePermission(identity, z, kind, 'tables', tablePermissions);
    this.lakePermission(identity, z, kind, 'location', ['DATA_LOCATION_ACCESS']);
  }

  /** Glue ARNs of the catalog, the zone's database and its tables. */
  protected catalogArns(z: DataZone): string[] {
    const stack = MlopsStack.of(this);
    return [
      stack.arn('glue', 'catalog'),
      stack.arn('glue', `database/${z.databaseName}`),
      stack.arn('glue', `table/${z.databaseName}/*`),
    ];
  }

  private remember(identity: IGrantable, zone: string, kind: string): boolean {
    const k = `${identity.node.path}|${zone}|${kind}`;
    if (this.grants.has(k)) return false;
    this.grants.add(k);
    return true;
  }

  private lakePermission(identity: IGrantable, z: DataZone, kind: 'read' | 'write' | 'catalog', on: 'database' | 'tables' | 'location', permissions: string[]): void {
    const who = snake(identity.node.path.split('/').slice(1).join('_'));
    new LakeformationPermissions(this, `${kind}_${snake(z.zoneName)}_${on}_${who}`, {
      principal: identity.roleArn,
      permissions,
      database: on === 'database' ? { name: z.databaseName } : undefined,
      table: on === 'tables' ? { databaseName: z.databaseName, wildcard: true } : undefined,
      dataLocation: on === 'location' ? { arn: z.bucketArn } : undefined,
      dependsOn: [z.database, z.location, ...(this.settings ? [this.settings] : [])],
    });
  }
}
