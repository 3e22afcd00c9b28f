/**
 * The value types a feature or an entity key may have, and how each maps to the offline store
 * (Glue/Athena column type) and to Feast (the `feast.types` name used in the generated repo).
 */
export const FEATURE_TYPES = {
  int32: { glue: 'int', feast: 'Int32', valueType: 'INT32' },
  int64: { glue: 'bigint', feast: 'Int64', valueType: 'INT64' },
  float32: { glue: 'float', feast: 'Float32', valueType: 'FLOAT' },
  float64: { glue: 'double', feast: 'Float64', valueType: 'DOUBLE' },
  string: { glue: 'string', feast: 'String', valueType: 'STRING' },
  bytes: { glue: 'binary', feast: 'Bytes', valueType: 'BYTES' },
  bool: { glue: 'boolean', feast: 'Bool', valueType: 'BOOL' },
  timestamp: { glue: 'timestamp', feast: 'UnixTimestamp', valueType: 'UNIX_TIMESTAMP' },
} as const;

/** A feature value type. */
export type FeatureType = keyof typeof FEATURE_TYPES;

/** Types an entity key may have (Feast join keys are hashed from these). */
export const ENTITY_KEY_TYPES: readonly FeatureType[] = ['int32', 'int64', 'string', 'bytes'];

/** Names of views, entities, keys and features: Python identifiers, lower-case, as Feast and Glue need. */
export const FEATURE_NAME = /^[a-z][a-z0-9_]{0,62}$/;
