// Parquet data file -> rows in the Iceberg value representation (types.ts), the
// inverse of RecordBatchBuilder: compaction reads small files back with it and
// writes them again. Columns are resolved by field id (`PARQUET:field_id`, as
// any Iceberg writer sets it), by name only when a file carries no ids; a
// column the file lacks (added later) reads as null, and promoted types (int ->
// long, float -> double) are widened.
import { type Data, type Field, tableFromIPC, type Vector } from 'apache-arrow';
import { ValidationError } from '../errors.ts';
import type { IcebergType, NestedField, Row, Schema } from '../iceberg/types.ts';
import { FIELD_ID_METADATA_KEY } from './arrow-schema.ts';
import { readParquetFooter } from './parquet-footer.ts';
import { readParquetToArrowIpc } from './parquet-wasm-writer.ts';

type Reader = (index: number) => unknown;

/** Every row of the file, in file order, shaped by `schema`. */
export function readParquetRows(bytes: Uint8Array, schema: Schema, where: string): Row[] {
  return [...ipcRows(decode(bytes, where), schema, where)];
}

/**
 * The same, one row group at a time and one row at a time: only one row group's
 * Arrow data is decoded at once, and a row is made when it is taken (compaction
 * streams a file into its output with it, so memory never holds the file's rows).
 */
export function* streamParquetRows(bytes: Uint8Array, schema: Schema, where: string): Generator<Row> {
  for (const batch of streamParquetBatches(bytes, schema, where))
    for (let i = 0; i < batch.length; i++) yield batch.row(i);
}

/** Decoded Arrow rows of a file, made into Rows on demand, by position (held columnar until then). */
export interface RowBatch {
  readonly length: number;
  /** The row at `index`; with `only`, just those top-level fields. */
  row(index: number, only?: ReadonlySet<string>): Row;
}

/** The file's batches, one row group decoded at a time, in file order. */
export function* streamParquetBatches(bytes: Uint8Array, schema: Schema, where: string): Generator<RowBatch> {
  let rowGroups: number;
  try {
    rowGroups = readParquetFooter(bytes).rowGroups.length;
  } catch (cause) {
    throw unreadable(where, cause);
  }
  for (let group = 0; group < rowGroups; group++)
    yield* ipcBatches(decode(bytes, where, group), schema, where);
}

function decode(bytes: Uint8Array, where: string, rowGroup?: number): Uint8Array {
  try {
    return readParquetToArrowIpc(bytes, rowGroup === undefined ? undefined : [rowGroup]);
  } catch (cause) {
    throw unreadable(where, cause);
  }
}

function unreadable(where: string, cause: unknown): ValidationError {
  return new ValidationError(
    `${where}: ${cause instanceof Error ? cause.message : String(cause)}`,
    { path: where },
    { cause },
  );
}

function* ipcRows(ipc: Uint8Array, schema: Schema, where: string): Generator<Row> {
  for (const batch of ipcBatches(ipc, schema, where))
    for (let i = 0; i < batch.length; i++) yield batch.row(i);
}

function* ipcBatches(ipc: Uint8Array, schema: Schema, where: string): Generator<RowBatch> {
  const table = tableFromIPC(ipc);
  for (const batch of table.batches) {
    const readers = schema.fields.map((field) => {
      const found = findField(table.schema.fields, field);
      if (found === undefined) return () => null;
      const vector = batch.getChildAt(found.index) as Vector | null;
      if (vector === null) return () => null;
      return readerFor(vector.data[0]!, field.type, `${where}: ${field.name}`);
    });
    yield {
      length: batch.numRows,
      row: (i, only) => {
        const row: Row = {};
        schema.fields.forEach((field, f) => {
          if (only === undefined || only.has(field.name)) row[field.name] = readers[f]!(i);
        });
        return row;
      },
    };
  }
}

function findField(
  fields: readonly Field[],
  field: { id: number; name: string },
): { index: number; field: Field } | undefined {
  let byName: { index: number; field: Field } | undefined;
  for (const [index, candidate] of fields.entries()) {
    const id = candidate.metadata.get(FIELD_ID_METADATA_KEY);
    if (id !== undefined && Number(id) === field.id) return { index, field: candidate };
    if (id === undefined && candidate.name === field.name) byName = { index, field: candidate };
  }
  return byName;
}

// Arrow's TimeUnit: SECOND 0, MILLISECOND 1, MICROSECOND 2, NANOSECOND 3.
const MICROSECOND = 2;
const NANOSECOND = 3;

/**
 * Iceberg keeps times and timestamps in microseconds (nanoseconds for the _ns
 * types). Files other writers registered (add_files, migrations) may store
 * milliseconds, or INT96, which Arrow reads as nanoseconds: convert, flooring.
 */
function toIcebergUnit(data: Data, kind: string): (value: bigint) => bigint {
  const unit = (data.type as { unit?: number }).unit ?? MICROSECOND;
  const target = kind.endsWith('_ns') ? NANOSECOND : MICROSECOND;
  if (unit === target) return (value) => value;
  const factor = 10n ** BigInt(3 * Math.abs(target - unit));
  if (unit < target) return (value) => value * factor;
  return (value) => {
    const quotient = value / factor;
    return value % factor < 0n ? quotient - 1n : quotient;
  };
}

function isNull(data: Data, index: number): boolean {
  return data.nullCount > 0 && !data.getValid(index);
}

/** A reader of slot `index` of `data` (its offset applied) for an Iceberg type. */
function readerFor(data: Data, type: IcebergType, where: string): Reader {
  const nullable =
    (read: Reader): Reader =>
    (i) =>
      isNull(data, i) ? null : read(i);
  const values = data.values as ArrayLike<unknown> & { [i: number]: unknown };
  const at = data.offset;
  switch (type.kind) {
    case 'boolean':
      return nullable((i) => {
        const bit = at + i;
        return ((data.values[bit >> 3]! >> (bit & 7)) & 1) === 1;
      });
    case 'int':
    case 'date':
    case 'float':
      return nullable((i) => Number(values[at + i]));
    case 'double':
      return nullable((i) => Number(values[at + i]));
    case 'long':
      return nullable((i) => {
        const value = values[at + i];
        return typeof value === 'bigint' ? value : BigInt(value as number);
      });
    case 'time':
    case 'timestamp':
    case 'timestamptz':
    case 'timestamp_ns':
    case 'timestamptz_ns': {
      const scale = toIcebergUnit(data, type.kind);
      return nullable((i) => {
        const value = values[at + i];
        return scale(typeof value === 'bigint' ? value : BigInt(value as number));
      });
    }
    case 'decimal':
      return nullable((i) => decimalAt(data, at + i));
    case 'string':
      return nullable((i) => textAt(data, at + i));
    case 'binary':
      return nullable((i) => bytesAt(data, at + i));
    case 'fixed':
      return nullable((i) => fixedAt(data, at + i, type.length));
    case 'uuid':
      return nullable((i) => uuidText(fixedAt(data, at + i, 16)));
    case 'struct': {
      const children = type.fields.map((field: NestedField) => {
        const found = findField(data.type.children as Field[], field);
        const child = found === undefined ? undefined : data.children[found.index];
        return child === undefined ? () => null : readerFor(child, field.type, `${where}.${field.name}`);
      });
      return nullable((i) => {
        const row: Row = {};
        type.fields.forEach((field, f) => {
          row[field.name] = children[f]!(at + i);
        });
        return row;
      });
    }
    case 'list': {
      const child = data.children[0];
      if (child === undefined) throw new ValidationError(`${where}: list column without elements`);
      const element = readerFor(child, type.element, `${where}.element`);
      return nullable((i) => {
        const [start, end] = bounds(data, at + i);
        const items: unknown[] = [];
        for (let j = start; j < end; j++) items.push(element(j));
        return items;
      });
    }
    case 'map': {
      const entries = data.children[0];
      const keyData = entries?.children[0];
      const valueData = entries?.children[1];
      if (keyData === undefined || valueData === undefined)
        throw new ValidationError(`${where}: map column without keys and values`);
      const key = readerFor(keyData, type.key, `${where}.key`);
      const value = readerFor(valueData, type.value, `${where}.value`);
      return nullable((i) => {
        const [start, end] = bounds(data, at + i);
        const map = new Map<unknown, unknown>();
        for (let j = start; j < end; j++) map.set(key(entries!.offset + j), value(entries!.offset + j));
        return map;
      });
    }
  }
}

function bounds(data: Data, slot: number): [number, number] {
  const offsets = data.valueOffsets as Int32Array | BigInt64Array;
  return [Number(offsets[slot]), Number(offsets[slot + 1])];
}

const utf8 = new TextDecoder();

function bytesAt(data: Data, slot: number): Uint8Array {
  const [start, end] = bounds(data, slot);
  return (data.values as Uint8Array).slice(start, end);
}

function textAt(data: Data, slot: number): string {
  const [start, end] = bounds(data, slot);
  return utf8.decode((data.values as Uint8Array).subarray(start, end));
}

function fixedAt(data: Data, slot: number, length: number): Uint8Array {
  return (data.values as Uint8Array).slice(slot * length, (slot + 1) * length);
}

/** A 128-bit little-endian two's complement unscaled value (Arrow Decimal128). */
function decimalAt(data: Data, slot: number): bigint {
  const words = data.values as Uint32Array;
  let value = 0n;
  for (let w = 3; w >= 0; w--) value = (value << 32n) | BigInt(words[slot * 4 + w]!);
  return BigInt.asIntN(128, value);
}

function uuidText(bytes: Uint8Array): string {
  const hex = Buffer.from(bytes).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
