import { Construct } from 'constructs';
import { invalid, show } from '../core/errors';
import { INetwork } from '../network/network';
import { DataLake, DataLakeProps } from './data-lake';
import { StreamEngine, StreamIngestion, StreamProps } from './stream-ingestion';
import { BatchIngestion, BatchSourceProps } from './batch-ingestion';
import { SchemaProps, SchemaRegistry } from './schema-registry';
import { DataValidation, RulesetProps } from './data-validation';

/** Props of {@link DataPlatform}. */
export interface DataPlatformProps {
  /** The lake: zones, Lake Formation admins, account settings. @default raw, curated and features zones */
  readonly lake?: DataLakeProps;
  /** Streams delivered into the raw zone. @default none (no StreamIngestion) */
  readonly streams?: StreamProps[];
  /** What carries the streams. @default "kinesis" */
  readonly streamEngine?: StreamEngine;
  /** Network for an MSK Serverless cluster. @default none (needed only for streamEngine "msk-serverless") */
  readonly network?: INetwork;
  /** External sources copied into the raw zone on a schedule. @default none (no BatchIngestion) */
  readonly batchSources?: BatchSourceProps[];
  /**
   * Stream schemas in a Glue Schema Registry; a schema named like a stream describes that stream's
   * records. A stream with `partitionKeys` must have a JSON schema (if any): Firehose extracts the
   * keys with JQ, which reads JSON records only.
   * @default none (no SchemaRegistry)
   */
  readonly schemas?: SchemaProps[];
  /** Data quality rulesets on lake tables. @default none (no DataValidation) */
  readonly rulesets?: RulesetProps[];
  /** SNS topic (ARN) told of failed data quality evaluations. @default none */
  readonly alarmTopicArn?: string;
}

/**
 * The data domain in one construct: a {@link DataLake}, and, when asked for, {@link StreamIngestion}
 * into the raw zone, {@link BatchIngestion} into the raw zone, a {@link SchemaRegistry} and
 * {@link DataValidation}. Other domains use `lake.zone('features')` (an `IDataZone`).
 */
export class DataPlatform extends Construct {
  public readonly lake: DataLake;
  public readonly streams?: StreamIngestion;
  public readonly batch?: BatchIngestion;
  public readonly schemas?: SchemaRegistry;
  public readonly quality?: DataValidation;

  constructor(scope: Construct, id: string, props: DataPlatformProps = {}) {
    super(scope, id);
    for (const st of props.streams ?? []) {
      const schema = props.schemas?.find((x) => x.name === st.name);
      if (schema?.dataFormat === 'AVRO' && Object.keys(st.partitionKeys ?? {}).length > 0) {
        invalid(this, `stream ${show(st.name)} has partitionKeys, but its schema ${show(schema.name)} in schemas has dataFormat "AVRO"; Firehose extracts partition keys with JQ from JSON records only.`,
          `register the stream's records as JSON (schemas entry ${show(schema.name)}: dataFormat "JSON" with a JSON Schema definition), or drop partitionKeys from stream ${show(st.name)}.`);
      }
    }
    this.lake = new DataLake(this, 'lake', props.lake);
    if (props.streams?.length) {
      this.streams = new StreamIngestion(this, 'streams', {
        destination: this.lake.zone(this.lake.zoneNames.includes('raw') ? 'raw' : this.lake.zoneNames[0]),
        streams: props.streams,
        engine: props.streamEngine,
        network: props.network,
      });
    }
    if (props.schemas?.length) this.schemas = new SchemaRegistry(this, 'schemas', { schemas: props.schemas });
    if (props.batchSources?.length) this.batch = new BatchIngestion(this, 'batch', { lake: this.lake, sources: props.batchSources });
    if (props.rulesets?.length) this.quality = new DataValidation(this, 'quality', { lake: this.lake, rulesets: props.rulesets, alarmTopicArn: props.alarmTopicArn });
  }
}
