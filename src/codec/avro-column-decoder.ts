// Avro binary payload -> the columns of a table's open data file, with no row
// object in between: per (writer schema, table schema) one function, generated
// as straight-line code, reads each field and appends it to the column of the
// same name. Longs, timestamps, ints, dates, floats, doubles, booleans, ASCII
// strings, uuid strings, enums (as their symbols' bytes) and decimals of up to 6
// bytes, plain or in a nullable union, go through typed appends (no bigint, no
// string per value); every other field (larger decimals, bytes, fixed, nested
// records, arrays, maps,
// multi-branch unions) is read into its Iceberg value by avro-decoder.ts's
// reader and appended as such. Table columns the writer schema
// lacks get a null. The values are exactly those of decode + append; the caller
// (RecordBatchBuilder.appendWith) rolls every column back when this throws.
import type avsc from 'avsc';
import type { IcebergType, Schema } from '../iceberg/types.ts';
import {
  type AvroCursor,
  readBigEndianSigned,
  readBoolean,
  readDouble,
  readFloat,
  readInt,
  readLength,
  readLong,
  readSize,
  truncated,
} from './avro-binary-reader.ts';
import { logicalTypeOf } from './avro-schema.ts';
import { isUnion, logicalMapping, unionShape } from './avro-to-iceberg.ts';
import { PayloadError } from './payload-error.ts';
import { utf8Text } from './utf8-text.ts';

/**
 * A table column as this decoder writes it: src/parquet's column builders. Beyond
 * append (any Iceberg value, null included), the fast path calls, by the column's
 * Iceberg type: int/date `appendInt(n)`; long/time/timestamp* `appendLong(n)` (a
 * safe integer) and `appendWords(low, high)` (the two's complement 32-bit
 * halves); float/double `appendDouble(n)`; boolean `appendBool(b)`; string
 * `appendAscii(bytes, start, length)` (false when not ASCII, nothing appended);
 * uuid `appendUuidText(bytes, start)` (false when not lower-case UUID text);
 * decimal `appendSmall(n)` (|n| < 2^48); and `appendNull()` on all of these.
 */
export interface ColumnTarget {
  append(value: unknown): void;
}

/** Appends the record the decoder's cursor points at, one slot to every column. */
export type ColumnFill = (columns: readonly ColumnTarget[]) => void;

type Reader = (c: AvroCursor) => unknown;

type FastOp =
  | 'long'
  | 'millis'
  | 'int'
  | 'int-as-long'
  | 'double'
  | 'float'
  | 'boolean'
  | 'string'
  | 'uuid'
  | 'decimal-bytes'
  | 'enum'
  | { readonly decimalFixed: number };

const LONG_KINDS = new Set<string>([
  'long',
  'time',
  'timestamp',
  'timestamptz',
  'timestamp_ns',
  'timestamptz_ns',
]);

/**
 * The fill for records of `record` into a table of `table`'s columns (in its
 * field order), or undefined when a writer field has no column of its name (the
 * row path reports that). `readerOf` is the row decoder's reader of a type.
 */
export function compileColumnFill(
  record: avsc.types.RecordType,
  table: Schema,
  cursor: AvroCursor,
  readerOf: (type: avsc.Type, path: string) => Reader,
): ColumnFill | undefined {
  const columnOf = new Map(table.fields.map((field, index) => [field.name, index]));
  const readers: Reader[] = [];
  /** Each enum field's symbols as ASCII bytes (Avro names are ASCII). */
  const enums: Uint8Array[][] = [];
  const unionErrors: Array<(index: number) => PayloadError> = [];
  const lines: string[] = [];
  const filled = new Set<number>();
  for (const field of record.fields) {
    const j = columnOf.get(field.name);
    if (j === undefined || filled.has(j)) return undefined;
    filled.add(j);
    const column = table.fields[j]!.type;
    let type = field.type;
    let union: { valueIndex: number; nullIndex: number; branches: number } | undefined;
    if (isUnion(type)) {
      const shape = unionShape(type);
      if (shape.branches.length === 1) {
        union = {
          valueIndex: shape.branchOf.indexOf(0),
          nullIndex: shape.nullIndex,
          branches: shape.branchOf.length,
        };
        type = shape.branches[0]!;
      }
    }
    const op = union === undefined && isUnion(type) ? undefined : fastOp(type, column);
    if (op === undefined) {
      readers.push(readerOf(field.type, field.name));
      lines.push(`k${j}.append(r[${readers.length - 1}](c));`);
      continue;
    }
    // The uuid and enum ops fall back on the row decoder's reader (it names a bad value).
    if (op === 'uuid' || op === 'enum') readers.push(readerOf(type, field.name));
    if (op === 'enum') enums.push((type as avsc.types.EnumType).symbols.map((s) => ASCII.encode(s)));
    const append = opCode(op, `k${j}`, readers.length - 1, enums.length - 1);
    if (union === undefined) {
      lines.push(append);
      continue;
    }
    const { valueIndex, nullIndex, branches } = union;
    const path = field.name;
    unionErrors.push(
      (index) =>
        new PayloadError('malformed', `${path}: union branch ${index} does not exist (${branches} branches)`),
    );
    // The branch index is one byte (zig-zag) in any union of up to 64 branches:
    // read here, not by a call (the generated function is past V8's inlining budget).
    lines.push(
      `x = b[c.pos]; if (x < 128) { c.pos++; x = (x >>> 1) ^ -(x & 1); } else x = rs(c);`,
      `if (x === ${valueIndex}) { ${append} } else if (x === ${nullIndex}) k${j}.appendNull(); else throw u[${unionErrors.length - 1}](x);`,
    );
  }
  // Columns the writer schema lacks: null (a required one throws, as appending the row would).
  table.fields.forEach((_, j) => {
    if (!filled.has(j)) lines.push(`k${j}.append(undefined);`);
  });
  const columns = table.fields.map((_, j) => `k${j} = cols[${j}]`).join(', ');
  const body = `return function fillColumns(cols) {\nconst c = cursor;\nconst b = c.bytes;\nconst ${columns};\nlet x = 0;\n${lines.join('\n')}\nend(c);\n};`;
  const factory = new Function('cursor', 'r', 'u', 'e', 'rs', 'end', ...Object.keys(OPS), body) as (
    ...args: unknown[]
  ) => ColumnFill;
  return factory(cursor, readers, unionErrors, enums, readSize, checkEnd, ...Object.values(OPS));
}

const ASCII = new TextEncoder();

function opCode(op: FastOp, k: string, reader: number, symbols: number): string {
  if (typeof op === 'object') return `dec(c, ${k}, ${op.decimalFixed});`;
  switch (op) {
    case 'long':
      return `lng(c, ${k});`;
    case 'millis':
      return `mil(c, ${k});`;
    case 'int':
      return `int(c, ${k});`;
    case 'int-as-long':
      return `intl(c, ${k});`;
    case 'double':
      return `dbl(c, ${k});`;
    case 'float':
      return `flt(c, ${k});`;
    case 'boolean':
      return `bool(c, ${k});`;
    case 'string':
      return `str(c, ${k});`;
    case 'uuid':
      return `uid(c, ${k}, r[${reader}]);`;
    case 'decimal-bytes':
      return `dec(c, ${k}, -1);`;
    case 'enum':
      return `enm(c, ${k}, e[${symbols}], r[${reader}]);`;
  }
}

/** The typed append for a (non-union) Avro type into a column of `column`'s type; undefined: generic. */
function fastOp(type: avsc.Type, column: IcebergType): FastOp | undefined {
  const logical = logicalTypeOf(type);
  if (logical !== undefined) {
    const mapping = logicalMapping(logical);
    if (mapping === undefined || mapping.conversion === 'none') return fastOp(logical.underlyingType, column);
    switch (mapping.conversion) {
      case 'millis-to-micros':
        return LONG_KINDS.has(column.kind) ? 'millis' : undefined;
      case 'uuid-string':
        return column.kind === 'uuid' ? 'uuid' : undefined;
      case 'decimal-bytes': {
        if (column.kind !== 'decimal') return undefined;
        const underlying = logical.underlyingType;
        if (underlying.typeName !== 'fixed') return 'decimal-bytes';
        return { decimalFixed: (underlying as avsc.types.FixedType).size };
      }
      default:
        return undefined;
    }
  }
  const kind = column.kind;
  switch (type.typeName) {
    case 'long':
      return LONG_KINDS.has(kind) ? 'long' : undefined;
    case 'int':
      if (kind === 'int' || kind === 'date') return 'int';
      return LONG_KINDS.has(kind) ? 'int-as-long' : undefined;
    case 'double':
      return kind === 'double' ? 'double' : undefined;
    case 'float':
      return kind === 'float' || kind === 'double' ? 'float' : undefined;
    case 'boolean':
      return kind === 'boolean' ? 'boolean' : undefined;
    case 'string':
      return kind === 'string' ? 'string' : undefined;
    case 'enum':
      return kind === 'string' ? 'enum' : undefined;
    default:
      return undefined;
  }
}

interface LongColumn extends ColumnTarget {
  appendLong(value: number): void;
  appendWords(low: number, high: number): void;
}

interface IntColumn extends ColumnTarget {
  appendInt(value: number): void;
}

interface DoubleColumn extends ColumnTarget {
  appendDouble(value: number): void;
}

interface BoolColumn extends ColumnTarget {
  appendBool(value: boolean): void;
}

// One call per field from the generated code, read and append together: each
// helper sees one column class, so V8 inlines both into it.
function appendInt(c: AvroCursor, column: IntColumn): void {
  column.appendInt(readInt(c));
}

function appendIntAsLong(c: AvroCursor, column: LongColumn): void {
  column.appendLong(readInt(c));
}

function appendDouble(c: AvroCursor, column: DoubleColumn): void {
  column.appendDouble(readDouble(c));
}

function appendFloat(c: AvroCursor, column: DoubleColumn): void {
  column.appendDouble(readFloat(c));
}

function appendBool(c: AvroCursor, column: BoolColumn): void {
  column.appendBool(readBoolean(c));
}

interface StringColumn extends ColumnTarget {
  appendAscii(bytes: Uint8Array, start: number, length: number): boolean;
}

/** A zig-zag long: as a number while it has at most 7 bytes (|value| < 2^48), else a bigint. */
/**
 * A zig-zag long of up to 9 bytes (|value| < 2^62) decoded in 32-bit integer
 * operations straight into the column's two words: no double, no bigint. A
 * longer one goes through the bigint reader.
 */
function appendLong(c: AvroCursor, column: LongColumn): void {
  const b = c.bytes;
  const start = c.pos;
  let pos = start;
  let byte = b[pos++]!;
  let low = byte & 0x7f;
  let high = 0;
  for (let shift = 7; byte & 0x80 && shift < 28; shift += 7) {
    byte = b[pos++]!;
    low |= (byte & 0x7f) << shift;
  }
  if (byte & 0x80) {
    // The fifth byte's 7 bits straddle the words: 4 low, 3 high.
    byte = b[pos++]!;
    low |= byte << 28;
    high = (byte & 0x7f) >>> 4;
    for (let shift = 3; byte & 0x80 && shift < 31; shift += 7) {
      byte = b[pos++]!;
      high |= (byte & 0x7f) << shift;
    }
    if (byte & 0x80) {
      c.pos = start;
      column.append(readLong(c));
      return;
    }
  }
  c.pos = pos;
  const sign = -(low & 1);
  column.appendWords(((low >>> 1) | (high << 31)) ^ sign, (high >>> 1) ^ sign);
}

/** timestamp-millis as micros: a number while the product is a safe integer. */
function appendMillis(c: AvroCursor, column: LongColumn): void {
  const start = c.pos;
  const millis = readSize(c, false);
  if (millis !== undefined) {
    const micros = millis * 1000;
    if (Number.isSafeInteger(micros)) {
      column.appendLong(micros);
      return;
    }
  }
  c.pos = start;
  column.append(readLong(c) * 1000n);
}

function appendString(c: AvroCursor, column: StringColumn): void {
  const length = readLength(c);
  const start = c.pos;
  c.pos = start + length;
  if (!column.appendAscii(c.bytes, start, length)) column.append(utf8Text(c.bytes, start, length));
}

/** An enum's symbol by its index, as bytes; an index out of range goes to the reader, which names it. */
function appendEnum(c: AvroCursor, column: StringColumn, symbols: readonly Uint8Array[], read: Reader): void {
  const start = c.pos;
  const symbol = symbols[readInt(c)];
  if (symbol !== undefined && column.appendAscii(symbol, 0, symbol.length)) return;
  c.pos = start;
  column.append(read(c));
}

interface UuidColumn extends ColumnTarget {
  appendUuidText(bytes: Uint8Array, start: number): boolean;
}

interface DecimalColumn extends ColumnTarget {
  appendSmall(value: number): void;
}

const UUID_TEXT_LENGTH = 36;

/** A uuid string: parsed from its bytes when it is lower-case UUID text, else as the row decoder reads it. */
function appendUuid(c: AvroCursor, column: UuidColumn, read: Reader): void {
  const start = c.pos;
  const length = readLength(c);
  const text = c.pos;
  c.pos = text + length;
  if (length === UUID_TEXT_LENGTH && column.appendUuidText(c.bytes, text)) return;
  c.pos = start;
  column.append(read(c));
}

/** A decimal's big-endian two's complement bytes (`size` -1: a length first); up to 6 bytes as a number. */
function appendDecimal(c: AvroCursor, column: DecimalColumn, size: number): void {
  const length = size < 0 ? readLength(c) : size;
  const start = c.pos;
  if (length > 6 || start + length > c.end) {
    column.append(readBigEndianSigned(c, length));
    return;
  }
  c.pos = start + length;
  const b = c.bytes;
  let n = 0;
  for (let i = start; i < start + length; i++) n = n * 256 + b[i]!;
  if (length > 0 && b[start]! & 0x80) n -= 2 ** (8 * length);
  column.appendSmall(n);
}

function checkEnd(c: AvroCursor): void {
  if (c.pos > c.end) throw truncated();
  if (c.pos < c.end) {
    throw new PayloadError('malformed', `${c.end - c.pos} bytes left over after the Avro record`);
  }
}

/** The typed appends the generated code calls, by the names opCode writes. */
const OPS = {
  lng: appendLong,
  mil: appendMillis,
  int: appendInt,
  intl: appendIntAsLong,
  dbl: appendDouble,
  flt: appendFloat,
  bool: appendBool,
  str: appendString,
  uid: appendUuid,
  dec: appendDecimal,
  enm: appendEnum,
};
