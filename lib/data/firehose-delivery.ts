import { Construct } from 'constructs';
import { MlopsStack } from '../core/mlops-stack';
import { PlatformRole } from '../security/platform-role';
import { FAILED_DELIVERY_READERS } from '../governance/system/needs';
import { IDataZone } from './data-zone';

/** The role a Firehose delivery stream of this account assumes (trusted by firehose.amazonaws.com for the account only). */
export function firehoseDeliveryRole(scope: Construct, id: string, nameParts: string[], description: string): PlatformRole {
  return new PlatformRole(scope, id, {
    nameParts,
    description,
    trust: [{ principals: { Service: 'firehose.amazonaws.com' }, actions: ['sts:AssumeRole'], conditions: { StringEquals: { 'aws:SourceAccount': MlopsStack.of(scope).accountId } } }],
  });
}

/**
 * What a Firehose delivery into `zone` may do in S3: write `output` and `errors` (both key prefixes in
 * the zone's bucket, zone prefix included), locate the bucket and list its multipart uploads. Failed
 * deliveries are declared as read by operators.
 */
export function grantFirehoseDelivery(role: PlatformRole, zone: IDataZone, output: string, errors: string): void {
  zone.bucket.grantWrite(role, output);
  zone.bucket.grantWrite(role, errors);
  zone.bucket.declareExternal('read', errors, FAILED_DELIVERY_READERS);
  role.addToPolicy({ actions: ['s3:GetBucketLocation', 's3:ListBucketMultipartUploads'], resources: [zone.bucketArn] });
}
