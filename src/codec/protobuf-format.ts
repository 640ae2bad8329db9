// value.format protobuf: Confluent wire-format records whose writer schema is a
// Protobuf file in the registry. A schema id is a file of messages; each record
// names its message by the message indexes after the header, so messages are
// compiled on first use and kept per schema id.
//
// Evolution: a field keeps its column by name (protobuf-to-iceberg.ts). A field
// number is what Protobuf readers go by, so a field that changes its number, or a
// number taken by another field, is refused (the record goes to the error policy,
// naming the field and both versions) rather than quietly moving values between
// columns. The check compares each schema id with the versions registered before
// it under the same subjects (asked of the registry once per schema id) and with
// every schema id the connector has decoded. Type changes are left to schema
// evolution (int32 -> int64 widens the column; string -> int32 is refused there,
// naming the column).
import type { Row, Schema } from '../iceberg/types.ts';
import type { DecodedRecord } from './decoded-record.ts';
import { PayloadError } from './payload-error.ts';
import { compileProtobufDecoder } from './protobuf-decoder.ts';
import type { ProtoField, ProtoMessage, ProtoSchema } from './protobuf-schema.ts';
import { FIRST_MESSAGE, readMessageIndexes } from './protobuf-wire-format.ts';
import type { CompiledSchemaFile, RegistryFormat } from './registry-value-decoder.ts';
import type { EarlierSchemaVersion, SchemaLookup } from './schema-lookup.ts';

type ParseSchema = typeof import('./protobuf-schema.ts').parseProtobufSchema;
// protobufjs (in protobuf-schema.ts) is loaded with the first Protobuf schema, not
// with every `floe` command: prepare runs before every compile.
let parseProtobufSchema: ParseSchema | undefined;

async function schemaParser(): Promise<ParseSchema> {
  if (parseProtobufSchema === undefined) {
    parseProtobufSchema = (await import('./protobuf-schema.ts')).parseProtobufSchema;
  }
  return parseProtobufSchema;
}

/** A format for one connector's decoder: it remembers field numbers across the schema versions it sees. */
export function protobufFormat(): RegistryFormat {
  const ledger = new FieldNumberLedger();
  const admitted = new Set<string>();
  return {
    schemaType: 'PROTOBUF',
    name: 'protobuf',
    compile: (registered, schemaId) => {
      if (parseProtobufSchema === undefined) throw new Error('protobuf format: compile before prepare');
      return new ProtobufSchemaFile(parseProtobufSchema(registered), schemaId, ledger);
    },
    prepare: async (schemaId, _registered, lookup) => {
      const parse = await schemaParser();
      await admitEarlierVersions(schemaId, lookup, ledger, admitted, parse);
    },
  };
}

/** Records the field numbers of the versions registered before schema id `schemaId`, oldest first. */
async function admitEarlierVersions(
  schemaId: number,
  lookup: SchemaLookup,
  ledger: FieldNumberLedger,
  admitted: Set<string>,
  parse: ParseSchema,
): Promise<void> {
  if (lookup.getEarlierVersions === undefined) return;
  let earlier: readonly EarlierSchemaVersion[];
  try {
    earlier = await lookup.getEarlierVersions(schemaId);
  } catch (error) {
    if (error instanceof PayloadError) return; // a version vanished meanwhile: check what there is
    throw error;
  }
  for (const { subject, version, schema } of earlier) {
    const source = `subject ${subject} version ${version}`;
    if (admitted.has(source) || schema.type !== 'PROTOBUF') continue;
    admitted.add(source);
    let messages: ProtoMessage[];
    try {
      messages = parse(schema).topLevelMessages();
    } catch (error) {
      if (error instanceof PayloadError) continue; // a version floe cannot read says nothing
      throw error;
    }
    for (const message of messages) {
      try {
        ledger.admit(message, source);
      } catch (error) {
        // Two earlier versions disagree already: the first one seen stays the reference.
        if (!(error instanceof PayloadError)) throw error;
      }
    }
  }
}

interface CompiledMessage {
  readonly schema: Schema;
  decode(bytes: Buffer, start: number): Row;
}

class ProtobufSchemaFile implements CompiledSchemaFile {
  readonly #schema: ProtoSchema;
  readonly #schemaId: number;
  readonly #ledger: FieldNumberLedger;
  #first: CompiledMessage | PayloadError | undefined;
  readonly #nested = new Map<string, CompiledMessage | PayloadError>();

  constructor(schema: ProtoSchema, schemaId: number, ledger: FieldNumberLedger) {
    this.#schema = schema;
    this.#schemaId = schemaId;
    this.#ledger = ledger;
  }

  decodeRecord(bytes: Buffer, start: number): DecodedRecord {
    const { indexes, next } = readMessageIndexes(bytes, start);
    let compiled: CompiledMessage | PayloadError | undefined;
    if (indexes === FIRST_MESSAGE) {
      compiled = this.#first;
      if (compiled === undefined) {
        compiled = this.#compile(indexes);
        this.#first = compiled;
      }
    } else {
      const key = indexes.join('.');
      compiled = this.#nested.get(key);
      if (compiled === undefined) {
        compiled = this.#compile(indexes);
        this.#nested.set(key, compiled);
      }
    }
    if (compiled instanceof PayloadError) throw compiled;
    return { row: compiled.decode(bytes, next), schema: compiled.schema };
  }

  /** The compiled message, or the error every record naming it fails with. */
  #compile(indexes: readonly number[]): CompiledMessage | PayloadError {
    try {
      const message = this.#schema.message(indexes);
      const compiled = compileProtobufDecoder(message);
      this.#ledger.admit(message, `schema id ${this.#schemaId}`);
      return compiled;
    } catch (error) {
      if (!(error instanceof PayloadError)) throw error;
      // A corrupt index path is the record's fault, not the schema's: do not keep it.
      if (error.reason === 'malformed') throw error;
      if (error.message.includes('schema id')) return error;
      return new PayloadError(
        error.reason,
        `schema id ${this.#schemaId}: ${error.message}`,
        {},
        { cause: error },
      );
    }
  }
}

interface Seen {
  readonly value: number | string;
  /** `schema id 7` or `subject orders-value version 2`. */
  readonly source: string;
}

/** Field numbers by message and field name, and names by message and number, as first seen. */
export class FieldNumberLedger {
  readonly #numbers = new Map<string, Seen>();
  readonly #names = new Map<string, Seen>();

  /** Checks every field reachable from `message` against what earlier versions said, then records them. */
  admit(message: ProtoMessage, source: string): void {
    const fields: Array<[ProtoMessage, ProtoField]> = [];
    collectFields(message, new Set(), fields);
    for (const [owner, field] of fields) {
      const byName = this.#numbers.get(`${owner.fullName}\u0000${field.name}`);
      if (byName !== undefined && byName.value !== field.number) {
        throw renumbered(
          `field ${owner.fullName}.${field.name} has number ${field.number} in ${source}, but ${byName.value} in ${byName.source}`,
        );
      }
      const byNumber = this.#names.get(`${owner.fullName}\u0000${field.number}`);
      if (byNumber !== undefined && byNumber.value !== field.name) {
        throw renumbered(
          `field number ${field.number} of ${owner.fullName} is ${field.name} in ${source}, but ${byNumber.value} in ${byNumber.source}`,
        );
      }
    }
    for (const [owner, field] of fields) {
      const seen = { source };
      if (!this.#numbers.has(`${owner.fullName}\u0000${field.name}`)) {
        this.#numbers.set(`${owner.fullName}\u0000${field.name}`, { ...seen, value: field.number });
      }
      if (!this.#names.has(`${owner.fullName}\u0000${field.number}`)) {
        this.#names.set(`${owner.fullName}\u0000${field.number}`, { ...seen, value: field.name });
      }
    }
  }
}

function collectFields(
  message: ProtoMessage,
  visited: Set<ProtoMessage>,
  out: Array<[ProtoMessage, ProtoField]>,
): void {
  if (visited.has(message)) return;
  visited.add(message);
  for (const member of message.members) {
    for (const field of member.kind === 'oneof' ? member.fields : [member]) {
      out.push([message, field]);
      if (field.type.kind === 'message') collectFields(field.type.message, visited, out);
    }
  }
}

function renumbered(detail: string): PayloadError {
  return new PayloadError(
    'incompatible',
    `${detail}: a renumbered Protobuf field is refused (its column would take another field's values)`,
  );
}
