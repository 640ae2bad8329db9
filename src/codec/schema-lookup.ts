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

/** A version of a subject registered before a given schema (checks across versions: Protobuf field numbers). */
export interface EarlierSchemaVersion {
  readonly subject: string;
  readonly version: number;
  readonly schema: RegisteredSchema;
}

export interface SchemaLookup {
  /** The schema with this id; rejects with a PayloadError (reason unknown-schema-id) when the registry has none. */
  getSchema(id: number): Promise<RegisteredSchema>;
  /**
   * The versions registered before schema `id` under every subject that holds it,
   * oldest first per subject; [] when the registry cannot say.
   */
  getEarlierVersions?(id: number): Promise<readonly EarlierSchemaVersion[]>;
}
