import * as fs from 'fs';
import * as path from 'path';
import { Construct } from 'constructs';
import { AssetType, Fn, TerraformAsset } from 'cdktf';
import { GlueJob } from '@cdktf/provider-aws/lib/glue-job';
import { GlueTrigger } from '@cdktf/provider-aws/lib/glue-trigger';
import { GlueCrawler } from '@cdktf/provider-aws/lib/glue-crawler';
import { GlueSecurityConfiguration } from '@cdktf/provider-aws/lib/glue-security-configuration';
import { S3Object } from '@cdktf/provider-aws/lib/s3-object';
import { MlopsStack, snake } from '../core/mlops-stack';
import { invalid, show } from '../core/errors';
import { checkScheduleExpression } from '../core/schedule';
import { KeyRing } from '../security/key-ring';
import { PlatformRole } from '../security/platform-role';
import { SecureBucket } from '../security/secure-bucket';
import { DataLake } from './data-lake';

/** An external source copied into the lake on a schedule. */
export interface BatchSourceProps {
  /** Source name (after the platform prefix): lower-case letters, digits and hyphens. */
  readonly name: string;
  /** Where the source's files are: `s3://bucket/prefix/`. */
  readonly sourceUri: string;
  /**
   * When the copy runs (Glue cron expression, UTC).
   * @default "cron(0 2 * * ? *)" (daily at 02:00)
   */
  readonly schedule?: string;
  /**
   * Hours of source changes each run picks up (runs are idempotent, so overlap is safe).
   * @default 48
   */
  readonly lookbackHours?: number;
  /**
   * Crawl the landed files after each successful copy, creating and updating tables in the zone's database.
   * @default true
   */
  readonly crawl?: boolean;
}

/** Props of {@link BatchIngestion}. */
export interface BatchIngestionProps {
  /** The lake to land in. */
  readonly lake: DataLake;
  /**
   * Zone the sources land in.
   * @default "raw"
   */
  readonly zone?: string;
  /** The sources. */
  readonly sources: BatchSourceProps[];
}

/** A source's job, trigger and crawler. */
export interface BatchSource {
  readonly job: GlueJob;
  readonly trigger: GlueTrigger;
  readonly crawler?: GlueCrawler;
  /** Where the source lands in the zone's bucket. */
  readonly prefix: string;
}

const SOURCE_NAME = /^[a-z][a-z0-9-]*$/;
const S3_URI = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])\/(.*)$/;
const SCRIPT = 's3_copy_ingest.py';

/** The shipped job script, from the source tree or the compiled package. */
function scriptPath(): string {
  const candidates = [path.join(__dirname, 'scripts', SCRIPT), path.join(__dirname, '..', '..', '..', 'lib', 'data', 'scripts', SCRIPT)];
  const found = candidates.find((p) => fs.existsSync(p));
  if (!found) throw new Error(`cdktf-mlops: the Glue job script ${SCRIPT} is missing from the package (looked in ${candidates.join(', ')}).`);
  return found;
}

/**
 * Scheduled ingestion of external S3 sources into a lake zone: per source, a Glue Python shell job
 * (the shipped script `scripts/s3_copy_ingest.py`, uploaded to a scripts bucket) on a scheduled
 * trigger, with a Glue security configuration (SSE-KMS to S3, KMS-encrypted logs and bookmarks),
 * and a crawler that catalogs the landed files after each successful run.
 */
export class BatchIngestion extends Construct {
  public readonly scriptsBucket: SecureBucket;
  public readonly script: S3Object;
  public readonly securityConfiguration: GlueSecurityConfiguration;
  public readonly jobRole: PlatformRole;
  public readonly crawlerRole: PlatformRole;
  private readonly sources = new Map<string, BatchSource>();

  constructor(scope: Construct, id: string, props: BatchIngestionProps) {
    super(scope, id);
    const stack = MlopsStack.of(this);
    const zoneName = props.zone ?? 'raw';
    const zone = props.lake.zone(zoneName);
    if (props.sources.length === 0) invalid(this, 'sources is empty.', 'declare at least one source, or do not create a BatchIngestion.');
    const keys = KeyRing.of(this);
    this.scriptsBucket = new SecureBucket(this, 'scripts', {
      bucketName: stack.naming.name(this, 's3-bucket', 'ingest', 'scripts'),
      encryptionKey: zone.key,
      accessLogs: props.lake.accessLogBucket,
    });
    const asset = new TerraformAsset(this, 'script_asset', { path: scriptPath(), type: AssetType.FILE });
    this.script = new S3Object(this, 'script', {
      bucket: this.scriptsBucket.bucketName,
      key: `glue/${SCRIPT}`,
      source: asset.path,
      sourceHash: Fn.filemd5(asset.path),
      serverSideEncryption: 'aws:kms',
      kmsKeyId: zone.key.keyArn,
      bucketKeyEnabled: true,
    });
    this.securityConfiguration = new GlueSecurityConfiguration(this, 'security_configuration', {
      name: stack.naming.name(this, 'glue-job', 'ingest'),
      encryptionConfiguration: {
        s3Encryption: { s3EncryptionMode: 'SSE-KMS', kmsKeyArn: zone.key.keyArn },
        cloudwatchEncryption: { cloudwatchEncryptionMode: 'SSE-KMS', kmsKeyArn: keys.key('logs').keyArn },
        jobBookmarksEncryption: { jobBookmarksEncryptionMode: 'CSE-KMS', kmsKeyArn: zone.key.keyArn },
      },
    });
    const glueTrust = [{ principals: { Service: 'glue.amazonaws.com' }, actions: ['sts:AssumeRole'], conditions: { StringEquals: { 'aws:SourceAccount': stack.accountId } } }];
    this.jobRole = new PlatformRole(this, 'job_role', { nameParts: ['ingest', 'job'], description: 'Glue jobs copying external sources into the lake', trust: glueTrust });
    this.crawlerRole = new PlatformRole(this, 'crawler_role', { nameParts: ['ingest', 'crawler'], description: 'Glue crawlers cataloging landed batch sources', trust: glueTrust });
    this.scriptsBucket.grantRead(this.jobRole, 'glue/');
    for (const role of [this.jobRole, this.crawlerRole]) {
      role.addToPolicy({
        actions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents', 'logs:AssociateKmsKey'],
        resources: [stack.arn('logs', 'log-group:/aws-glue/*')],
      });
      keys.key('logs').grantEncryptDecrypt(role, 'logs');
    }
    // The crawler catalogs the zone; it reads the landed prefixes and never writes or deletes objects.
    props.lake.grantCatalogWrite(this.crawlerRole, zoneName);

    const seen = new Set<string>();
    for (const src of props.sources) {
      if (!SOURCE_NAME.test(src.name)) invalid(this, `source name ${show(src.name)} is not allowed.`, 'use lower-case letters, digits and hyphens, starting with a letter.');
      if (seen.has(src.name)) invalid(this, `source ${show(src.name)} is declared twice.`, 'declare each source once.');
      seen.add(src.name);
      this.sources.set(src.name, this.createSource(stack, src, props.lake, zoneName));
    }
  }

  /** The source named `name`. */
  public source(name: string): BatchSource {
    const s = this.sources.get(name);
    if (!s) invalid(this, `source ${show(name)} is not declared.`, `use one of ${[...this.sources.keys()].join(', ')}.`);
    return s;
  }

  /** Creates one source's job, trigger and crawler; a subclass may override it. */
  protected createSource(stack: MlopsStack, src: BatchSourceProps, lake: DataLake, zoneName: string): BatchSource {
    const zone = lake.zone(zoneName);
    const m = S3_URI.exec(src.sourceUri);
    if (!m) invalid(this, `source ${show(src.name)} has sourceUri ${show(src.sourceUri)}, which is not an s3://bucket/prefix URI.`, 'use a URI such as "s3://partner-drop/exports/".');
    const [, sourceBucket, rawPrefix] = m;
    if (/[*?]/.test(rawPrefix)) invalid(this, `source ${show(src.name)} has a wildcard in sourceUri ${show(src.sourceUri)}.`, 'use a literal prefix.');
    const sourcePrefix = rawPrefix === '' || rawPrefix.endsWith('/') ? rawPrefix : `${rawPrefix}/`;
    const schedule = src.schedule ?? 'cron(0 2 * * ? *)';
    if (!schedule.startsWith('cron(')) invalid(this, `source ${show(src.name)} has schedule ${show(schedule)}.`, 'use a Glue cron expression with six fields, such as "cron(0 2 * * ? *)".');
    checkScheduleExpression(this, `source ${show(src.name)} schedule`, schedule);
    const lookback = src.lookbackHours ?? 48;
    if (!Number.isInteger(lookback) || lookback < 1) invalid(this, `source ${show(src.name)} has lookbackHours ${show(lookback)}.`, 'use a whole number of hours, 1 or more.');
    const id = snake(src.name);
    const prefix = `${zone.prefix}batch/${src.name}/`;

    const sourceArn = `arn:${stack.partition}:s3:::${sourceBucket}`;
    this.jobRole.addToPolicy(
      { actions: ['s3:GetObject'], resources: [`${sourceArn}/${sourcePrefix}*`] },
      { actions: ['s3:ListBucket'], resources: [sourceArn], conditions: sourcePrefix ? { StringLike: { 's3:prefix': [`${sourcePrefix}*`] } } : undefined },
    );
    zone.bucket.grantWrite(this.jobRole, prefix);
    zone.bucket.grantRead(this.jobRole, prefix);

    const job = new GlueJob(this, `${id}_job`, {
      name: stack.naming.name(this, 'glue-job', 'ingest', src.name),
      description: `Copies ${src.sourceUri} into the ${zoneName} zone`,
      roleArn: this.jobRole.roleArn,
      command: { name: 'pythonshell', pythonVersion: '3.9', scriptLocation: `s3://${this.scriptsBucket.bucketName}/${this.script.key}` },
      maxCapacity: 0.0625,
      timeout: 120,
      maxRetries: 1,
      executionProperty: { maxConcurrentRuns: 1 },
      securityConfiguration: this.securityConfiguration.name,
      defaultArguments: {
        '--source_uri': `s3://${sourceBucket}/${sourcePrefix}`,
        '--target_bucket': zone.bucketName,
        '--target_prefix': prefix,
        '--kms_key_arn': zone.key.keyArn,
        '--lookback_hours': String(lookback),
        '--library-set': 'analytics',
      },
      dependsOn: [this.script],
    });
    const trigger = new GlueTrigger(this, `${id}_schedule`, {
      name: stack.naming.name(this, 'glue-job', 'ingest', src.name, 'schedule'),
      type: 'SCHEDULED',
      schedule,
      startOnCreation: true,
      actions: [{ jobName: job.name }],
    });
    let crawler: GlueCrawler | undefined;
    if (src.crawl ?? true) {
      zone.bucket.grantRead(this.crawlerRole, prefix);
      crawler = new GlueCrawler(this, `${id}_crawler`, {
        name: stack.naming.name(this, 'glue-job', 'ingest', src.name, 'crawler'),
        role: this.crawlerRole.roleArn,
        databaseName: zone.databaseName,
        tablePrefix: `${snake(src.name)}_`,
        s3Target: [{ path: `s3://${zone.bucketName}/${prefix}` }],
        securityConfiguration: this.securityConfiguration.name,
        schemaChangePolicy: { updateBehavior: 'UPDATE_IN_DATABASE', deleteBehavior: 'LOG' },
      });
      new GlueTrigger(this, `${id}_crawl`, {
        name: stack.naming.name(this, 'glue-job', 'ingest', src.name, 'crawl'),
        type: 'CONDITIONAL',
        startOnCreation: true,
        predicate: { conditions: [{ jobName: job.name, state: 'SUCCEEDED', logicalOperator: 'EQUALS' }] },
        actions: [{ crawlerName: crawler.name }],
      });
    }
    return { job, trigger, crawler, prefix };
  }
}
