import { IConstruct } from 'constructs';
import { SecureBucket } from '../security/secure-bucket';
import { DomainKey } from '../security/domain-key';

/**
 * One zone of the data lake (raw, curated, features, ...), as other domains see it: where its
 * objects live, which Glue database catalogs them and which key encrypts them. Domains meet the
 * lake through this interface, never through DataLake internals.
 */
export interface IDataZone extends IConstruct {
  /** Zone name, e.g. `raw`. */
  readonly zoneName: string;
  /** The zone's bucket. */
  readonly bucket: SecureBucket;
  /** Name of the zone's bucket. */
  readonly bucketName: string;
  /** ARN of the zone's bucket. */
  readonly bucketArn: string;
  /** Key prefix inside the bucket under which the zone's data lives (`''` = whole bucket, else ends with `/`). */
  readonly prefix: string;
  /** Name of the zone's Glue Data Catalog database. */
  readonly databaseName: string;
  /** The customer-managed key encrypting the zone's objects. */
  readonly key: DomainKey;
}

/** Zone names: lower-case letters, digits and hyphens, short enough for bucket and database names. */
export const ZONE_NAME = /^[a-z][a-z0-9-]{0,19}$/;
