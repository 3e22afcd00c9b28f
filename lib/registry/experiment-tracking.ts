import { Construct } from 'constructs';
import { ApiObject, JsonPatch } from 'cdk8s';
import { DbInstance } from '@cdktf/provider-aws/lib/db-instance';
import { DbParameterGroup } from '@cdktf/provider-aws/lib/db-parameter-group';
import { DbSubnetGroup } from '@cdktf/provider-aws/lib/db-subnet-group';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule';
import { MlopsStack } from '../core/mlops-stack';
import * as k8s from '../core/k8s';
import { restrictedContainerSecurityContext } from '../core/pod-security';
import { containerResources } from '../core/scheduled-job';
import { invalid, show } from '../core/errors';
import { checkName } from '../core/naming';
import { ServiceClient, ServiceResources, ServiceWorkload } from '../core/service-workload';
import { INetwork } from '../network/network';
import { KeyRing } from '../security/key-ring';
import { DomainKey } from '../security/domain-key';
import { EncryptedLogGroup } from '../security/encrypted-log-group';
import { SecureBucket } from '../security/secure-bucket';
import { PlatformRole } from '../security/platform-role';
import { ISecretStore } from '../security/secret-store';
import { IWorkloadCluster, WorkloadIdentity } from '../security/workload-identity';

import { ContainerImage } from '../core/container-image';

/**
 * Pinned official MLflow image (ghcr.io/mlflow/mlflow). It lacks the PostgreSQL driver, boto3, the RDS
 * CA bundle and the IAM authentication hook: run an image built from images/mlflow (see the docs).
 */
export const MLFLOW_IMAGE = 'ghcr.io/mlflow/mlflow:v2.22.0';
/** PostgreSQL major version of the tracking database and its parameter group family. */
export const TRACKING_DB_ENGINE = { version: '16', family: 'postgres16' } as const;

/** What ExperimentTracking needs of a cluster (MlCluster satisfies it). */
export interface ITrackingCluster extends IWorkloadCluster {
  readonly network: INetwork;
  /** The EKS cluster; its cluster security group is admitted to the database. */
  readonly cluster: { readonly vpcConfig: { readonly clusterSecurityGroupId: string } };
}

/** Props of {@link ExperimentTracking}. */
export interface ExperimentTrackingProps {
  readonly cluster: ITrackingCluster;
  /** External Secrets store the database credentials come through (the cluster's `secretStore`). */
  readonly secretStore: ISecretStore;
  /** Namespace of the tracking server (should be a RestrictedNamespace). @default "mlflow" */
  readonly namespace?: string;
  /** Who may call the tracking server (namespaces and/or pod labels). @default nobody */
  readonly clients?: ServiceClient[];
  /** Pinned MLflow image. @default MLFLOW_IMAGE */
  readonly image?: string | ContainerImage;
  /** @default cpu 500m, memory 1Gi */
  readonly resources?: ServiceResources;
  /** Lowest replica count. @default the profile's minReplicas */
  readonly minReplicas?: number;
  /** Highest replica count. @default max(minReplicas * 3, 3) */
  readonly maxReplicas?: number;
  /** RDS instance class. @default "db.t4g.medium" */
  readonly instanceClass?: string;
  /** Initial storage in GiB (gp3, autoscaling up to 5x). @default 20 */
  readonly allocatedStorageGiB?: number;
  /** Days of automated backups, at least the profile's minimumBackupRetentionDays, at most 35. @default the profile's backupRetentionDays */
  readonly backupRetentionDays?: number;
  /** Multi-AZ database. @default the profile's multiAz */
  readonly multiAz?: boolean;
  /** Deletion protection of the database. @default the profile's deletionProtection */
  readonly deletionProtection?: boolean;
  /** Bucket receiving the artifact bucket's access logs (isAccessLogTarget). @default a new log bucket */
  readonly accessLogs?: SecureBucket;
  /**
   * Seconds between RDS enhanced monitoring samples (1, 5, 10, 15, 30 or 60).
   * @default 60
   */
  readonly monitoringIntervalSeconds?: number;
}

const DB_PORT = 5432;
const DB_NAME = 'mlflow';
/** RDS-managed master user (password in Secrets Manager, rotated by RDS); used only to create {@link DB_IAM_USER}. */
const DB_USER = 'mlflow';
/** The database user the server connects as, with IAM database authentication (no password). */
export const DB_IAM_USER = 'mlflow_server';
/** Where images/mlflow puts the RDS CA bundle. */
const RDS_CA_BUNDLE = '/etc/ssl/certs/rds-global-bundle.pem';
const MONITORING_INTERVALS = [1, 5, 10, 15, 30, 60];

/**
 * An MLflow tracking server on the cluster, backed by RDS PostgreSQL and an S3 artifact bucket.
 *
 * - Database: CMK-encrypted, private in the data subnets, reachable on 5432 only from the cluster
 *   security group, TLS enforced (`rds.force_ssl=1`), RDS-managed master password in Secrets
 *   Manager (encrypted with the CMK) so no password is in Terraform state, Multi-AZ and deletion
 *   protection per profile, final snapshot, backups, log exports to encrypted log groups, enhanced
 *   monitoring and Performance Insights (CMK).
 * - The server connects as `mlflow_server` with IAM database authentication: the image's hook signs a
 *   short-lived token for each new connection with the server's workload identity (`rds-db:connect`
 *   on that user only), over verified TLS; the backend-store URI has no password, so the master
 *   password's rotation never breaks the server.
 * - An init container of the server (`python -m mlflow_rds_iam bootstrap`) creates that user and its
 *   grants, idempotently, as the master user, whose current credentials an `ExternalSecret` syncs
 *   from the RDS-managed secret into the init container only; the operator may read exactly that secret.
 * - Artifacts: a SecureBucket; the server's workload identity may read, write and delete only in it.
 * - Server: a {@link ServiceWorkload} (probes, restricted pods, PDB, HPA, NetworkPolicy for clients).
 */
export class ExperimentTracking extends Construct {
  public readonly key: DomainKey;
  public readonly database: DbInstance;
  public readonly parameterGroup: DbParameterGroup;
  public readonly subnetGroup: DbSubnetGroup;
  public readonly securityGroup: SecurityGroup;
  public readonly artifactBucket: SecureBucket;
  public readonly accessLogBucket: SecureBucket;
  public readonly identity: WorkloadIdentity;
  public readonly server: ServiceWorkload;
  /** Syncs the RDS-managed master credentials (for the bootstrap init container only). */
  public readonly externalSecret: ApiObject;
  /** The role RDS enhanced monitoring publishes OS metrics with. */
  public readonly monitoringRole: PlatformRole;
  public readonly namespace: string;
  /** Name of the Kubernetes Secret holding the master user's current credentials (bootstrap only). */
  public readonly credentialsSecretName: string;
  /** In-cluster URL of the tracking server (MLFLOW_TRACKING_URI for clients). */
  public readonly trackingUri: string;

  constructor(scope: Construct, id: string, props: ExperimentTrackingProps) {
    super(scope, id);
    const stack = MlopsStack.of(this);
    const profile = stack.profile;
    this.namespace = checkName(this, 'k8s-namespace', props.namespace ?? 'mlflow');
    const retention = props.backupRetentionDays ?? profile.backupRetentionDays;
    if (!Number.isInteger(retention) || retention < profile.minimumBackupRetentionDays) {
      invalid(this, `backupRetentionDays ${show(retention)} is below the ${profile.name} profile's minimum of ${profile.minimumBackupRetentionDays}.`,
        `set backupRetentionDays to at least ${profile.minimumBackupRetentionDays} (at most 35).`);
    }
    if (retention > 35) invalid(this, `backupRetentionDays ${retention} is over the RDS maximum of 35.`, 'use at most 35 days; keep longer copies with AWS Backup.');
    const storage = props.allocatedStorageGiB ?? 20;
    if (!Number.isInteger(storage) || storage < 20 || storage > 65536) {
      invalid(this, `allocatedStorageGiB ${show(storage)} is outside 20-65536.`, 'use a whole number of GiB from 20 (the gp3 minimum).');
    }
    const monitoringInterval = props.monitoringIntervalSeconds ?? 60;
    if (!MONITORING_INTERVALS.includes(monitoringInterval)) {
      invalid(this, `monitoringIntervalSeconds ${show(monitoringInterval)} is not an RDS enhanced monitoring interval.`, `use one of ${MONITORING_INTERVALS.join(', ')}.`);
    }
    const network = props.cluster.network;
    if (network.dataSubnetIds.length < 2) {
      invalid(this, `the network has ${network.dataSubnetIds.length} data subnet(s); an RDS subnet group needs two zones.`, 'use a network with data subnets in at least two availability zones.');
    }

    this.key = this.trackingKey();
    const identifier = stack.naming.name(this, 'rds-instance', 'mlflow');

    // --- database -----------------------------------------------------------------------------
    this.subnetGroup = new DbSubnetGroup(this, 'db_subnet_group', {
      name: identifier,
      description: 'MLflow tracking database: data subnets only',
      subnetIds: network.dataSubnetIds,
    });
    this.securityGroup = new SecurityGroup(this, 'db_security_group', {
      name: stack.naming.name(this, 'security-group', 'mlflow', 'db'),
      description: 'MLflow tracking database: PostgreSQL from the EKS cluster only',
      vpcId: network.vpcId,
      tags: { Name: stack.naming.name(this, 'security-group', 'mlflow', 'db') },
    });
    new VpcSecurityGroupIngressRule(this, 'db_ingress_from_cluster', {
      securityGroupId: this.securityGroup.id,
      description: 'PostgreSQL from EKS cluster pods and nodes',
      ipProtocol: 'tcp',
      fromPort: DB_PORT,
      toPort: DB_PORT,
      referencedSecurityGroupId: props.cluster.cluster.vpcConfig.clusterSecurityGroupId,
    });
    this.parameterGroup = new DbParameterGroup(this, 'db_parameter_group', {
      name: identifier,
      family: TRACKING_DB_ENGINE.family,
      description: 'MLflow tracking database: TLS only, connection and slow-query logging',
      parameter: [
        { name: 'rds.force_ssl', value: '1', applyMethod: 'pending-reboot' },
        { name: 'log_connections', value: '1' },
        { name: 'log_disconnections', value: '1' },
        { name: 'log_min_duration_statement', value: '1000' },
      ],
    });
    const logGroups = ['postgresql', 'upgrade'].map((t) => new EncryptedLogGroup(this, `db_${t}_logs`, { name: `/aws/rds/instance/${identifier}/${t}` }));
    const preventDestroy = profile.preventDestroy;
    this.monitoringRole = new PlatformRole(this, 'monitoring_role', {
      nameParts: ['mlflow', 'rds-monitoring'],
      description: 'RDS enhanced monitoring of the MLflow tracking database',
      trust: [{ principals: { Service: 'monitoring.rds.amazonaws.com' }, actions: ['sts:AssumeRole'], conditions: { StringEquals: { 'aws:SourceAccount': stack.accountId } } }],
      managedPolicies: ['service-role/AmazonRDSEnhancedMonitoringRole'],
    });
    this.database = new DbInstance(this, 'database', {
      identifier,
      engine: 'postgres',
      engineVersion: TRACKING_DB_ENGINE.version,
      autoMinorVersionUpgrade: true,
      instanceClass: props.instanceClass ?? 'db.t4g.medium',
      allocatedStorage: storage,
      maxAllocatedStorage: storage * 5,
      storageType: 'gp3',
      storageEncrypted: true,
      kmsKeyId: this.key.keyArn,
      dbName: DB_NAME,
      username: DB_USER,
      port: DB_PORT,
      manageMasterUserPassword: true,
      masterUserSecretKmsKeyId: this.key.keyArn,
      dbSubnetGroupName: this.subnetGroup.name,
      vpcSecurityGroupIds: [this.securityGroup.id],
      parameterGroupName: this.parameterGroup.name,
      publiclyAccessible: false,
      multiAz: props.multiAz ?? profile.multiAz,
      deletionProtection: props.deletionProtection ?? profile.deletionProtection,
      skipFinalSnapshot: false,
      finalSnapshotIdentifier: `${identifier}-final`,
      copyTagsToSnapshot: true,
      backupRetentionPeriod: retention,
      backupWindow: '02:00-03:00',
      maintenanceWindow: 'sun:03:30-sun:04:30',
      enabledCloudwatchLogsExports: ['postgresql', 'upgrade'],
      iamDatabaseAuthenticationEnabled: true,
      monitoringInterval,
      monitoringRoleArn: this.monitoringRole.roleArn,
      performanceInsightsEnabled: true,
      performanceInsightsKmsKeyId: this.key.keyArn,
      performanceInsightsRetentionPeriod: 7,
      caCertIdentifier: 'rds-ca-rsa2048-g1',
      applyImmediately: false,
      lifecycle: preventDestroy ? { preventDestroy: true } : undefined,
      dependsOn: logGroups.map((g) => g.logGroup),
    });
    const masterSecretArn = this.database.masterUserSecret.get(0).secretArn;
    props.secretStore.grantRead(masterSecretArn, this.key.keyArn);

    // --- artifacts ----------------------------------------------------------------------------
    this.accessLogBucket = props.accessLogs ?? new SecureBucket(this, 'access_log_bucket', {
      bucketName: stack.naming.name(this, 's3-bucket', 'mlflow', 'access-logs'),
      isAccessLogTarget: true,
    });
    this.artifactBucket = new SecureBucket(this, 'artifact_bucket', {
      bucketName: stack.naming.name(this, 's3-bucket', 'mlflow', 'artifacts'),
      encryptionKey: this.key,
      accessLogs: this.accessLogBucket,
    });

    // --- server -------------------------------------------------------------------------------
    const name = 'mlflow';
    this.identity = new WorkloadIdentity(this, 'identity', {
      cluster: props.cluster,
      namespace: this.namespace,
      serviceAccountName: name,
      description: 'MLflow tracking server: its artifact bucket only',
    });
    this.artifactBucket.grantRead(this.identity, 'artifacts/');
    this.artifactBucket.grantWrite(this.identity, 'artifacts/');
    this.artifactBucket.grantDelete(this.identity, 'artifacts/');
    // IAM database authentication as DB_IAM_USER only (not the master user).
    this.identity.addToPolicy({
      actions: ['rds-db:connect'],
      resources: [stack.arn('rds-db', `dbuser:${this.database.resourceId}/${DB_IAM_USER}`)],
    });

    this.credentialsSecretName = `${name}-db-admin`;
    const k = props.cluster.workloads.scopeFor(this);
    this.externalSecret = new ApiObject(k, 'db-admin-credentials', {
      apiVersion: 'external-secrets.io/v1',
      kind: 'ExternalSecret',
      metadata: { name: this.credentialsSecretName, namespace: this.namespace, labels: { 'app.kubernetes.io/name': name, 'app.kubernetes.io/managed-by': 'cdktf-mlops' } },
      spec: {
        // Follows the RDS-managed rotation (every 7 days); read by the bootstrap at each pod start.
        refreshInterval: '15m',
        secretStoreRef: { name: props.secretStore.storeName, kind: props.secretStore.storeKind },
        target: { name: this.credentialsSecretName, creationPolicy: 'Owner', deletionPolicy: 'Delete' },
        data: [
          { secretKey: 'username', remoteRef: { key: masterSecretArn, property: 'username' } },
          { secretKey: 'password', remoteRef: { key: masterSecretArn, property: 'password' } },
        ],
      },
    });
    const pg = { PGHOST: this.database.address, PGPORT: String(DB_PORT), PGDATABASE: DB_NAME };

    this.server = new ServiceWorkload(this, 'server', {
      workloads: props.cluster.workloads,
      namespace: this.namespace,
      name,
      image: props.image ?? ContainerImage.libraryDefault(MLFLOW_IMAGE),
      port: 5000,
      command: ['mlflow', 'server'],
      args: [
        '--host', '0.0.0.0',
        '--port', '5000',
        '--serve-artifacts',
        '--artifacts-destination', `s3://${this.artifactBucket.bucketName}/artifacts`,
      ],
      env: {
        HOME: '/tmp', AWS_REGION: stack.region, AWS_DEFAULT_REGION: stack.region,
        // No password: the image's hook (MLFLOW_RDS_IAM_AUTH) adds a fresh IAM token to each new connection.
        MLFLOW_BACKEND_STORE_URI: `postgresql://${DB_IAM_USER}@${this.database.address}:${DB_PORT}/${DB_NAME}?sslmode=verify-full&sslrootcert=${RDS_CA_BUNDLE}`,
        MLFLOW_RDS_IAM_AUTH: '1',
      },
      resources: props.resources ?? { cpu: '500m', memory: '1Gi' },
      healthPath: '/health',
      minReplicas: props.minReplicas,
      maxReplicas: props.maxReplicas,
      clients: props.clients,
      egress: [{ cidr: network.vpcCidr, port: DB_PORT }],
      serviceAccountAnnotations: this.identity.serviceAccountAnnotations,
      labels: { 'app.kubernetes.io/component': 'experiment-tracking' },
    });
    this.trackingUri = this.server.url;
    this.server.deployment.addJsonPatch(JsonPatch.add('/spec/template/spec/initContainers', [this.bootstrapContainer(this.server.image.ref, pg)]));
  }

  /**
   * The init container creating {@link DB_IAM_USER} (idempotent), as the master user with its
   * current credentials; the only container that sees them. Override to change how the user is made.
   */
  protected bootstrapContainer(image: string, pg: Record<string, string>): k8s.Container {
    const secret = (key: string) => ({ valueFrom: { secretKeyRef: { name: this.credentialsSecretName, key } } });
    return {
      name: 'db-bootstrap',
      image,
      imagePullPolicy: 'IfNotPresent',
      command: ['python', '-m', 'mlflow_rds_iam', 'bootstrap'],
      env: [
        { name: 'HOME', value: '/tmp' },
        ...Object.entries({ ...pg, MLFLOW_DB_IAM_USER: DB_IAM_USER }).map(([n, value]) => ({ name: n, value })),
        { name: 'MLFLOW_DB_ADMIN_USERNAME', ...secret('username') },
        { name: 'MLFLOW_DB_ADMIN_PASSWORD', ...secret('password') },
      ],
      resources: containerResources('100m', '128Mi'),
      securityContext: restrictedContainerSecurityContext() as k8s.SecurityContext,
      volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
    };
  }

  /** The CMK of the tracking data (database, its secret, artifacts). Override to use another key. */
  protected trackingKey(): DomainKey {
    return KeyRing.of(this).key('experiments');
  }
}
