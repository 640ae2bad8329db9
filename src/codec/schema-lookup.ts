// How decoders find a writer schema by its registry id (implemented by
// SchemaRegistryClient; tests use an in-memory map).

export type RegisteredSchemaType = 'AVRO' | 'JSON' | 'PROTOBUF';

/** A schema another schema refers to by name, resolved to its text. */
export interface ResolvedSchemaReference {
  readonly name: string;
  readonly subject: string;
  readonly version: number;
  readonly schema: string;
}

export interface RegisteredSchema {
  readonly type: RegisteredSchemaType;
  /** The schema text as registered (Avro JSON, JSON Schema, .proto). */
  readonly schema: string;
  /** Referenced schemas, transitively, dependencies before the schemas that use them. */
  readonly references?: readonly ResolvedSchemaReference[];
}

export interface SchemaLookup {
  /** The schema with this id; rejects with a PayloadError (reason unknown-schema-id) when the registry has none. */
  getSchema(id: number): Promise<RegisteredSchema>;
}
