import { Construct } from 'constructs';
import { KinesisFirehoseDeliveryStream } from '@cdktf/provider-aws/lib/kinesis-firehose-delivery-stream';
import { CloudwatchLogStream } from '@cdktf/provider-aws/lib/cloudwatch-log-stream';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { MlopsStack } from '../core/mlops-stack';
import { checkName } from '../core/naming';
import { invalid, show } from '../core/errors';
import { IDataZone } from '../data/data-zone';
import { EncryptedLogGroup } from '../security/encrypted-log-group';
import { PlatformRole } from '../security/platform-role';
import { IGrantable } from '../security/principal';
import { PREDICTIONS_PARTITION, predictionsPrefix } from '../registry/model-locations';
import { normalizeKeyPrefix } from './prefix';
import { firehoseDeliveryRole, grantFirehoseDelivery } from '../data/firehose-delivery';

/** Props of {@link PredictionCapture}. */
export interface PredictionCaptureProps {
  /** The model whose predictions are captured (DNS label). */
  readonly model: string;
  /** The lake zone written (the raw zone). */
  readonly zone: IDataZone;
  /**
   * Key prefix inside the zone; objects land under `<prefix>dt=YYYY-MM-DD/` as JSON Lines.
   * @default predictionsPrefix(model): `predictions/<model>/`
   */
  readonly prefix?: string;
  /**
   * Seconds Firehose buffers records before writing an object (0-900).
   * @default 300
   */
  readonly bufferIntervalSeconds?: number;
}

/**
 * Prediction capture of one model: a Firehose delivery stream (direct put, encrypted at rest with the
 * zone's CMK) that writes the records the model server puts into the lake zone under
 * `predictions/<model>/dt=YYYY-MM-DD/` as `.jsonl` objects (one record per line), which the drift
 * monitor reads. Failed deliveries go to `errors/predictions/<model>/`. The delivery role may only
 * write those two prefixes; producers get `firehose:PutRecord(Batch)` on this stream only.
 */
export class PredictionCapture extends Construct {
  public readonly deliveryStream: KinesisFirehoseDeliveryStream;
  public readonly deliveryRole: PlatformRole;
  public readonly logGroup: EncryptedLogGroup;
  /** Name of the delivery stream. */
  public readonly streamName: string;
  /** Key prefix (in the zone's bucket, zone prefix included) the day partitions are under. */
  public readonly prefix: string;
  /** `s3://` URI of {@link prefix}. */
  public readonly uri: string;
  public readonly zone: IDataZone;

  constructor(scope: Construct, id: string, props: PredictionCaptureProps) {
    super(scope, id);
    const stack = MlopsStack.of(this);
    const model = checkName(this, 'k8s-name', props.model);
    const path = normalizeKeyPrefix(props.prefix ?? predictionsPrefix(model));
    if (path === undefined) invalid(this, `prefix ${show(props.prefix)} must be a literal, non-empty key prefix.`, `use e.g. "${predictionsPrefix(model)}".`);
    const interval = props.bufferIntervalSeconds ?? 300;
    if (!Number.isInteger(interval) || interval < 0 || interval > 900) {
      invalid(this, `bufferIntervalSeconds ${show(interval)} is outside 0-900.`, 'use 0-900 seconds, e.g. 300.');
    }
    this.zone = props.zone;
    this.prefix = `${props.zone.prefix}${path}`;
    this.uri = `s3://${props.zone.bucketName}/${this.prefix}`;
    const errors = `${props.zone.prefix}errors/${path}`;
    this.streamName = stack.naming.name(this, 'firehose-stream', 'predictions', model);

    this.logGroup = new EncryptedLogGroup(this, 'logs', { name: `/aws/kinesisfirehose/${this.streamName}` });
    const logStream = new CloudwatchLogStream(this, 'log_stream', { name: 'DestinationDelivery', logGroupName: this.logGroup.name });
    this.deliveryRole = firehoseDeliveryRole(this, 'delivery_role', ['firehose', 'predictions', model],
      `Firehose delivery of the predictions of ${model} into the ${props.zone.zoneName} zone`);
    grantFirehoseDelivery(this.deliveryRole, props.zone, this.prefix, errors);
    this.deliveryRole.addToPolicy(
      { actions: ['logs:PutLogEvents'], resources: [`${this.logGroup.arn}:log-stream:DestinationDelivery`] },
    );

    this.deliveryStream = new KinesisFirehoseDeliveryStream(this, 'delivery_stream', {
      name: this.streamName,
      destination: 'extended_s3',
      serverSideEncryption: { enabled: true, keyType: 'CUSTOMER_MANAGED_CMK', keyArn: props.zone.key.keyArn },
      extendedS3Configuration: {
        roleArn: this.deliveryRole.roleArn,
        bucketArn: props.zone.bucketArn,
        prefix: `${this.prefix}${PREDICTIONS_PARTITION}=!{timestamp:yyyy-MM-dd}/`,
        errorOutputPrefix: `${errors}!{firehose:error-output-type}/${PREDICTIONS_PARTITION}=!{timestamp:yyyy-MM-dd}/`,
        bufferingSize: 5,
        bufferingInterval: interval,
        compressionFormat: 'UNCOMPRESSED',
        fileExtension: '.jsonl',
        kmsKeyArn: props.zone.key.keyArn,
        cloudwatchLoggingOptions: { enabled: true, logGroupName: this.logGroup.name, logStreamName: logStream.name },
        processingConfiguration: { enabled: true, processors: [{ type: 'AppendDelimiterToRecord' }] },
      },
      dependsOn: [this.deliveryRole.node.findChild('policy') as IamRolePolicy],
    });
  }

  /** Put records into the stream (the model server's identity); nothing else of the stream or the lake. */
  public grantPut(identity: IGrantable): void {
    identity.addToPolicy({ actions: ['firehose:PutRecord', 'firehose:PutRecordBatch'], resources: [this.deliveryStream.arn] });
  }
}
