import { Construct } from 'constructs';
import { GlueRegistry } from '@cdktf/provider-aws/lib/glue-registry';
import { GlueSchema } from '@cdktf/provider-aws/lib/glue-schema';
import { MlopsStack, snake } from '../core/mlops-stack';
import { checkName } from '../core/naming';
import { invalid, show } from '../core/errors';
import { IGrantable } from '../security/principal';

/** Compatibility modes of the Glue Schema Registry. */
export const SCHEMA_COMPATIBILITY_MODES = ['NONE', 'DISABLED', 'BACKWARD', 'BACKWARD_ALL', 'FORWARD', 'FORWARD_ALL', 'FULL', 'FULL_ALL'] as const;
export type SchemaCompatibility = (typeof SCHEMA_COMPATIBILITY_MODES)[number];

/** One schema (usually one per stream). */
export interface SchemaProps {
  /** Schema name, unique in the registry (usually the stream name). */
  readonly name: string;
  /** `AVRO` or `JSON` (JSON Schema). */
  readonly dataFormat: 'AVRO' | 'JSON';
  /**
   * How new versions must relate to earlier ones.
   * @default "BACKWARD"
   */
  readonly compatibility?: SchemaCompatibility;
  /** The first version's definition: an Avro schema or a JSON Schema, as an object or JSON text. */
  readonly definition: string | Record<string, unknown>;
  /** @default none */
  readonly description?: string;
}

/** Props of {@link SchemaRegistry}. */
export interface SchemaRegistryProps {
  /**
   * Registry name after the platform prefix.
   * @default "schemas"
   */
  readonly registryName?: string;
  /** The schemas. */
  readonly schemas: SchemaProps[];
}

/**
 * A Glue Schema Registry with Avro or JSON schemas and their compatibility modes. Producers
 * register new versions (`grantRegister`), consumers read them (`grantRead`).
 */
export class SchemaRegistry extends Construct {
  public readonly registry: GlueRegistry;
  private readonly schemas = new Map<string, GlueSchema>();

  constructor(scope: Construct, id: string, props: SchemaRegistryProps) {
    super(scope, id);
    const stack = MlopsStack.of(this);
    this.registry = new GlueRegistry(this, 'registry', {
      registryName: stack.naming.name(this, 'glue-registry', props.registryName ?? 'schemas'),
      description: 'Schemas of the platform streams',
    });
    for (const s of props.schemas) {
      checkName(this, 'glue-registry', s.name);
      if (this.schemas.has(s.name)) invalid(this, `schema ${show(s.name)} is declared twice.`, 'declare each schema once.');
      if (s.dataFormat !== 'AVRO' && s.dataFormat !== 'JSON') {
        invalid(this, `schema ${show(s.name)} has data format ${show(s.dataFormat)}.`, 'use "AVRO" or "JSON".');
      }
      const compatibility = s.compatibility ?? 'BACKWARD';
      if (!(SCHEMA_COMPATIBILITY_MODES as readonly string[]).includes(compatibility)) {
        invalid(this, `schema ${show(s.name)} has unknown compatibility mode ${show(compatibility)}.`, `use one of ${SCHEMA_COMPATIBILITY_MODES.join(', ')}.`);
      }
      const definition = this.checkDefinition(s);
      this.schemas.set(s.name, new GlueSchema(this, snake(s.name), {
        schemaName: s.name,
        registryArn: this.registry.arn,
        dataFormat: s.dataFormat,
        compatibility,
        schemaDefinition: definition,
        description: s.description,
      }));
    }
  }

  /** The schema named `name`. */
  public schema(name: string): GlueSchema {
    const s = this.schemas.get(name);
    if (!s) invalid(this, `schema ${show(name)} is not in this registry.`, `use one of ${[...this.schemas.keys()].join(', ')}.`);
    return s;
  }

  /** Read schemas and versions of this registry (serializers and deserializers). */
  public grantRead(identity: IGrantable): void {
    identity.addToPolicy({
      actions: ['glue:GetRegistry', 'glue:GetSchema', 'glue:GetSchemaVersion', 'glue:GetSchemaByDefinition', 'glue:ListSchemaVersions'],
      resources: this.arns(),
    });
  }

  /** Register new versions of this registry's schemas (producers with auto-registration); includes read. */
  public grantRegister(identity: IGrantable): void {
    this.grantRead(identity);
    identity.addToPolicy({ actions: ['glue:RegisterSchemaVersion', 'glue:PutSchemaVersionMetadata'], resources: this.arns() });
  }

  private arns(): string[] {
    const stack = MlopsStack.of(this);
    return [this.registry.arn, stack.arn('glue', `schema/${this.registry.registryName}/*`)];
  }

  /** Parses and checks a definition; returns it as JSON text. */
  protected checkDefinition(s: SchemaProps): string {
    let parsed: unknown;
    try {
      parsed = typeof s.definition === 'string' ? JSON.parse(s.definition) : s.definition;
    } catch (e) {
      invalid(this, `schema ${show(s.name)} has a definition that is not valid JSON (${(e as Error).message}).`, `pass an ${s.dataFormat === 'AVRO' ? 'Avro schema' : 'JSON Schema'} as an object or JSON text.`);
    }
    const obj = parsed as Record<string, unknown>;
    if (s.dataFormat === 'AVRO' && (typeof obj !== 'object' || obj === null || !('type' in obj))) {
      invalid(this, `Avro schema ${show(s.name)} has no "type".`, 'give the schema a type, e.g. { "type": "record", "name": "Event", "fields": [...] }.');
    }
    if (s.dataFormat === 'AVRO' && obj.type === 'record' && (typeof obj.name !== 'string' || !Array.isArray(obj.fields))) {
      invalid(this, `Avro record schema ${show(s.name)} needs a "name" and a "fields" array.`, 'add name and fields to the record.');
    }
    if (s.dataFormat === 'JSON' && (typeof obj !== 'object' || obj === null || Array.isArray(obj))) {
      invalid(this, `JSON schema ${show(s.name)} is not a JSON Schema object.`, 'pass an object such as { "type": "object", "properties": {...} }.');
    }
    const text = JSON.stringify(parsed);
    if (text.length > 170000) invalid(this, `schema ${show(s.name)} is ${text.length} characters, over the Glue limit of 170000.`, 'split the schema.');
    return text;
  }
}
