// Writer schemas as avsc Types. avsc resolves named types, namespaces and
// references and validates the schema; it never decodes here (avro-decoder.ts does,
// straight into Iceberg values). Logical types are kept as markers that carry
// the schema's attributes, so nothing is turned into a Date behind our back.
import avsc from 'avsc';
import { PayloadError } from './payload-error.ts';

// spec: Avro 1.12, "Logical Types" (plus Iceberg's 'adjust-to-utc' attribute).
const LOGICAL_TYPE_NAMES = [
  'decimal',
  'uuid',
  'date',
  'time-millis',
  'time-micros',
  'timestamp-millis',
  'timestamp-micros',
  'timestamp-nanos',
  'local-timestamp-millis',
  'local-timestamp-micros',
  'local-timestamp-nanos',
] as const;
export type AvroLogicalName = (typeof LOGICAL_TYPE_NAMES)[number];

/** A logical type as avsc hands it over: the underlying type plus the schema's attributes. */
export class AvroLogicalMarker extends avsc.types.LogicalType {
  readonly attributes: Readonly<Record<string, unknown>>;

  constructor(schema: avsc.Schema, options?: unknown) {
    super(schema, options);
    this.attributes = schema as unknown as Record<string, unknown>;
  }

  get logicalName(): AvroLogicalName {
    return this.attributes.logicalType as AvroLogicalName;
  }

  protected override _fromValue(value: unknown): unknown {
    return value;
  }

  protected override _toValue(value: unknown): unknown {
    return value;
  }
}

const logicalTypes = Object.fromEntries(LOGICAL_TYPE_NAMES.map((name) => [name, AvroLogicalMarker]));

/**
 * Parses a writer schema (JSON text). `references` are the texts of the schemas it
 * refers to by name (Confluent schema references), dependencies first.
 */
export function parseAvroSchema(text: string, references: readonly string[] = []): avsc.Type {
  const registry: Record<string, avsc.Type> = {};
  const options = { logicalTypes, registry, wrapUnions: true } as const;
  try {
    for (const reference of references) avsc.Type.forSchema(JSON.parse(reference) as avsc.Schema, options);
    return avsc.Type.forSchema(JSON.parse(text) as avsc.Schema, options);
  } catch (error) {
    throw new PayloadError(
      'incompatible',
      `invalid Avro schema: ${(error as Error).message}`,
      {},
      { cause: error },
    );
  }
}

/** The logical type of an avsc type, or undefined for a plain one. */
export function logicalTypeOf(type: avsc.Type): AvroLogicalMarker | undefined {
  return type instanceof AvroLogicalMarker ? type : undefined;
}

/** The avsc type with its logical annotation stripped. */
export function underlyingType(type: avsc.Type): avsc.Type {
  return type instanceof AvroLogicalMarker ? type.underlyingType : type;
}

/** Short name of a named type ('com.acme.Order' -> 'Order'), for messages and union branch names. */
export function shortName(type: avsc.Type): string {
  const name = type.name ?? type.typeName;
  return name.slice(name.lastIndexOf('.') + 1);
}
