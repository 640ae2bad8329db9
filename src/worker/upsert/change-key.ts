// The canonical key of a change: the values of the key columns, converted to
// the columns' Iceberg types and written as one exact string. The same key
// gives the same string whether it came from a record's value, its Kafka key or
// a data file read back at rebuild (so it is stable across restarts), and no
// two keys share one: longs and decimals are written as their integer text
// (never through a double), binary as hex, uuids in lower case. The column
// type drives the conversion, so an int column promoted to long keeps its keys.
//
// Iceberg forbids float, double and optional identifier fields; a key column of
// such a type is refused when the encoder is built, a null key value per record.
import { createHash } from 'node:crypto';
import type { SemanticType } from '../../codec/debezium-semantic-types.ts';
import { ValidationError } from '../../errors.ts';
import type { IcebergType, Row } from '../../iceberg/types.ts';

export interface KeyColumn {
  readonly name: string;
  readonly type: IcebergType;
}

/** The column that holds a primitive Kafka key (a string, a number) when no value field names the key. */
export const PRIMITIVE_KEY_COLUMN = '_key';

/**
 * Keys longer than this many UTF-16 units are stored as `#` + their SHA-256
 * (hex): LMDB keys are at most 1978 bytes. A canonical key never starts with `#`.
 */
export const MAX_KEY_LENGTH = 480;

type Part = (value: unknown, column: string) => string | boolean;

/**
 * A record Kafka key whose schema names Debezium semantic types for some
 * fields (kafka-key-decoder.ts): their values are the carriers (a Timestamp's
 * milliseconds, a ZonedTimestamp's text), converted as the value side converts
 * them (debezium-semantic-types.ts) for a key column of the semantic type; a
 * column a table holds with the carrier type (written before floe mapped the
 * names) keeps the carrier, as the value side does.
 */
export class SemanticKafkaKey {
  readonly fields: Row;
  readonly semantics: ReadonlyMap<string, SemanticType>;

  constructor(fields: Row, semantics: ReadonlyMap<string, SemanticType>) {
    this.fields = fields;
    this.semantics = semantics;
  }

  /** The key's fields with the semantic values converted for `columns`' types. */
  row(columns: readonly KeyColumn[]): Row {
    const row: Row = { ...this.fields };
    for (const { name, type } of columns) {
      const semantic = this.semantics.get(name);
      const value = row[name];
      if (semantic === undefined || semantic.type !== type.kind || value === null || value === undefined)
        continue;
      try {
        row[name] = semantic.convert(value, `key.${name}`);
      } catch (error) {
        throw new ValidationError((error as Error).message, {}, { cause: error });
      }
    }
    return row;
  }
}

export class KeyEncoder {
  readonly columns: readonly KeyColumn[];
  readonly #parts: readonly Part[];

  constructor(columns: readonly KeyColumn[]) {
    if (columns.length === 0) throw new ValidationError('a key needs at least one column');
    this.columns = columns;
    this.#parts = columns.map((column) => partFor(column));
  }

  /** The key of a row that holds every key column. Throws ValidationError naming the column. */
  fromRow(row: Row): string {
    const parts: Array<string | boolean> = [];
    for (let i = 0; i < this.columns.length; i++) {
      const name = this.columns[i]!.name;
      parts.push(this.#parts[i]!(row[name], name));
    }
    return finish(JSON.stringify(parts));
  }

  /**
   * The key of a decoded Kafka key: a record (its fields by column name; a
   * SemanticKafkaKey's converted to the columns' types) or a primitive (the
   * whole key, for a single key column; integer text for an integer column).
   */
  fromKafkaKey(key: unknown): string {
    if (key instanceof SemanticKafkaKey) return this.fromRow(key.row(this.columns));
    if (isRecord(key)) return this.fromRow(key);
    if (this.columns.length !== 1) {
      throw new ValidationError(
        `the Kafka key is a single value but the key has ${this.columns.length} columns (${this.columns.map((c) => c.name).join(', ')})`,
      );
    }
    const column = this.columns[0]!;
    return finish(JSON.stringify([this.#parts[0]!(integerText(key, column), column.name)]));
  }
}

/** A string Kafka key of an integer column (`42` for a long id, as a topic keyed by the id carries it) as its integer. */
function integerText(key: unknown, column: KeyColumn): unknown {
  if (typeof key !== 'string' || !/^-?\d{1,40}$/.test(key)) return key;
  return ['int', 'long', 'decimal'].includes(column.type.kind) ? BigInt(key) : key;
}

function isRecord(value: unknown): value is Row {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    !(value instanceof Uint8Array) &&
    !(value instanceof Map)
  );
}

function finish(text: string): string {
  return text.length <= MAX_KEY_LENGTH ? text : `#${createHash('sha256').update(text).digest('hex')}`;
}

function partFor(column: KeyColumn): Part {
  const { type, name } = column;
  switch (type.kind) {
    case 'int':
    case 'long':
    case 'date':
    case 'time':
    case 'timestamp':
    case 'timestamptz':
    case 'timestamp_ns':
    case 'timestamptz_ns':
    case 'decimal':
      return integerPart;
    case 'string':
      return (value, at) => (typeof value === 'string' ? value : wrongType(at, value, 'a string'));
    case 'uuid':
      return (value, at) =>
        typeof value === 'string' ? value.toLowerCase() : wrongType(at, value, 'a uuid');
    case 'boolean':
      return (value, at) => (typeof value === 'boolean' ? value : wrongType(at, value, 'a boolean'));
    case 'binary':
    case 'fixed':
      return (value, at) =>
        value instanceof Uint8Array
          ? Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex')
          : wrongType(at, value, 'bytes');
    default:
      throw new ValidationError(
        `key column ${name} is ${type.kind}: a key column must be a primitive other than float and double (Iceberg identifier fields)`,
      );
  }
}

/** int, long, date, time, timestamps and decimals (unscaled): the exact integer text. */
function integerPart(value: unknown, column: string): string {
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value.toString();
  return wrongType(column, value, 'an integer');
}

function wrongType(column: string, value: unknown, wanted: string): never {
  if (value === null || value === undefined) throw new ValidationError(`key column ${column} is null`);
  const got = value instanceof Uint8Array ? 'bytes' : typeof value;
  throw new ValidationError(`key column ${column} must be ${wanted}, got ${got} ${describe(value)}`);
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean')
    return String(value);
  return '';
}
