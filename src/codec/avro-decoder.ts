// Avro binary payload -> Row, decoded with the writer schema by a tree of reader
// functions built once per schema (no type switch per value). Readers produce
// Iceberg values directly (avro-to-iceberg.ts has the mapping): longs and
// timestamps as exact bigint, decimals as unscaled bigint, uuids as canonical
// strings, enums as their symbol, unions as described there. Records become plain
// objects of one fixed shape per record type.
import type avsc from 'avsc';
import type { Row, Schema } from '../iceberg/types.ts';
import {
  AvroCursor,
  readBigEndianSigned,
  readBoolean,
  readBytes,
  readDouble,
  readFixedBytes,
  readFloat,
  readInt,
  readLength,
  readLong,
  readLongTimes,
  readSize,
  readString,
  readUuidString,
  truncated,
} from './avro-binary-reader.ts';
import { type ColumnFill, compileColumnFill } from './avro-column-decoder.ts';
import { logicalTypeOf } from './avro-schema.ts';
import {
  avroToIceberg,
  isUnion,
  logicalMapping,
  UNION_TAG_FIELD,
  unionBranchField,
  unionShape,
} from './avro-to-iceberg.ts';
import type { DirectRecord } from './decoded-record.ts';
import { PayloadError } from './payload-error.ts';
import { readingRowFactory } from './row-factory.ts';

type Reader = (c: AvroCursor) => unknown;

/** A writer schema ready to decode: its Iceberg schema and a reader for its payloads. */
export interface CompiledAvroSchema {
  readonly avroType: avsc.Type;
  readonly schema: Schema;
  /** Decodes the record that spans bytes[start..end); throws PayloadError. */
  decode(bytes: Buffer, start: number): Row;
  /**
   * Points the column decoder at the record in bytes[start..end) (valid until the
   * next decode or at): its fills then append that record (avro-column-decoder.ts).
   */
  at(bytes: Buffer, start: number): DirectRecord;
}

export function compileAvroDecoder(type: avsc.Type): CompiledAvroSchema {
  const schema = avroToIceberg(type);
  const compiler = new ReaderCompiler();
  const read = compiler.reader(type, '');
  const cursor = new AvroCursor();
  const fills = new WeakMap<Schema, ColumnFill | null>();
  // The last table asked for: records of a run all ask for the same one.
  let lastTable: Schema | undefined;
  let lastFill: ColumnFill | null = null;
  const direct: DirectRecord = {
    schema,
    fillFor(table: Schema): ColumnFill | undefined {
      if (table === lastTable) return lastFill ?? undefined;
      let fill = fills.get(table);
      if (fill === undefined) {
        const record = type.typeName === 'record' || type.typeName === 'error';
        fill = record
          ? (compileColumnFill(type as avsc.types.RecordType, table, cursor, (t, path) =>
              compiler.reader(t, path),
            ) ?? null)
          : null;
        fills.set(table, fill);
      }
      lastTable = table;
      lastFill = fill;
      return fill ?? undefined;
    },
  };
  return {
    avroType: type,
    schema,
    at(bytes: Buffer, start: number): DirectRecord {
      cursor.reset(bytes, start);
      return direct;
    },
    decode(bytes: Buffer, start: number): Row {
      cursor.reset(bytes, start);
      const row = read(cursor) as Row;
      if (cursor.pos > cursor.end) throw truncated();
      if (cursor.pos < cursor.end) {
        throw new PayloadError(
          'malformed',
          `${cursor.end - cursor.pos} bytes left over after the Avro record`,
        );
      }
      return row;
    },
  };
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
// Elements that take no bytes (empty records) could make a corrupt count loop for ever.
const MAX_ZERO_WIDTH_ITEMS = 1 << 24;

class ReaderCompiler {
  readonly #records = new Map<avsc.Type, Reader>();

  reader(type: avsc.Type, path: string): Reader {
    if (isUnion(type)) return this.#union(type, path);
    const logical = logicalTypeOf(type);
    if (logical !== undefined) {
      const mapping = logicalMapping(logical);
      if (mapping === undefined) return this.reader(logical.underlyingType, path);
      switch (mapping.conversion) {
        case 'none':
          return this.reader(logical.underlyingType, path);
        case 'millis-to-micros':
          return (c) => readLongTimes(c, 1000);
        case 'int-millis-to-micros':
          return (c) => BigInt(readInt(c) * 1000);
        case 'decimal-bytes': {
          const underlying = logical.underlyingType;
          if (underlying.typeName === 'fixed') {
            const size = (underlying as avsc.types.FixedType).size;
            return (c) => readBigEndianSigned(c, size);
          }
          return (c) => readBigEndianSigned(c, readLength(c));
        }
        case 'uuid-string':
          return (c) => {
            const start = c.pos;
            const uuid = readUuidString(c);
            if (uuid !== undefined) return uuid;
            c.pos = start;
            throw new PayloadError('malformed', `${path}: "${readString(c)}" is not a UUID`);
          };
        case 'uuid-fixed':
          return (c) => {
            const b = c.bytes;
            const p = c.pos;
            if (p + 16 > c.end) throw truncated();
            c.pos = p + 16;
            let text = '';
            for (let i = 0; i < 16; i++)
              text += (i === 4 || i === 6 || i === 8 || i === 10 ? '-' : '') + HEX[b[p + i]!];
            return text;
          };
      }
    }
    switch (type.typeName) {
      case 'boolean':
        return readBoolean;
      case 'int':
        return readInt;
      case 'long':
        return readLong;
      case 'float':
        return readFloat;
      case 'double':
        return readDouble;
      case 'string':
        return readString;
      case 'bytes':
        return readBytes;
      case 'fixed': {
        const size = (type as avsc.types.FixedType).size;
        return (c) => readFixedBytes(c, size);
      }
      case 'enum':
        return this.#enum(type as avsc.types.EnumType, path);
      case 'record':
      case 'error':
        return this.#record(type as avsc.types.RecordType, path);
      case 'array':
        return this.#array((type as avsc.types.ArrayType).itemsType, path);
      case 'map':
        return this.#map((type as avsc.types.MapType).valuesType as avsc.Type, path);
      default:
        // avro-to-iceberg.ts has already rejected everything else.
        throw new PayloadError('incompatible', `Avro type ${type.typeName} at ${path} cannot be decoded`);
    }
  }

  #enum(type: avsc.types.EnumType, path: string): Reader {
    const symbols = type.symbols;
    return (c) => {
      const index = readInt(c);
      const symbol = symbols[index];
      if (symbol === undefined) {
        throw new PayloadError(
          'malformed',
          `${path}: enum index ${index} is out of range (${symbols.length} symbols)`,
        );
      }
      return symbol;
    };
  }

  #record(type: avsc.types.RecordType, path: string): Reader {
    const known = this.#records.get(type);
    if (known !== undefined) return known;
    const names = type.fields.map((field) => field.name);
    const readers: Reader[] = [];
    const record = readingRowFactory(names, readers);
    this.#records.set(type, record);
    for (const field of type.fields) readers.push(this.reader(field.type, join(path, field.name)));
    return record;
  }

  #union(type: avsc.Type, path: string): Reader {
    const shape = unionShape(type);
    const branchCount = shape.branchOf.length;
    const invalid = (index: number) =>
      new PayloadError(
        'malformed',
        `${path}: union branch ${index} does not exist (${branchCount} branches)`,
      );
    if (shape.branches.length === 1) {
      const read = this.reader(shape.branches[0]!, path);
      const valueIndex = shape.branchOf.indexOf(0);
      const nullIndex = shape.nullIndex;
      return (c) => {
        const index = readSize(c);
        if (index === valueIndex) return read(c);
        if (index === nullIndex) return null;
        throw invalid(index);
      };
    }
    // A struct { tag, field0..fieldN } with exactly the written branch set.
    const names = [UNION_TAG_FIELD, ...shape.branches.map((_, i) => unionBranchField(i))];
    const perIndex: (Reader | null)[] = shape.branchOf.map((branch) => {
      if (branch < 0) return null;
      const read = this.reader(shape.branches[branch]!, join(path, unionBranchField(branch)));
      const readers: Reader[] = names.map((_, i) =>
        i === 0 ? () => branch : i === branch + 1 ? read : () => null,
      );
      return readingRowFactory(names, readers);
    });
    return (c) => {
      const index = readSize(c);
      const read = perIndex[index];
      if (read === null) return null;
      if (read === undefined) throw invalid(index);
      return read(c);
    };
  }

  #array(itemsType: avsc.Type, path: string): Reader {
    const read = this.reader(itemsType, join(path, 'element'));
    const minWidth = minimumWidth(itemsType);
    return (c) => {
      const items: unknown[] = [];
      for (let count = blockCount(c, minWidth); count !== 0; count = blockCount(c, minWidth)) {
        for (let i = 0; i < count; i++) items.push(read(c));
      }
      return items;
    };
  }

  #map(valuesType: avsc.Type, path: string): Reader {
    const read = this.reader(valuesType, join(path, 'value'));
    const minWidth = 1 + minimumWidth(valuesType);
    return (c) => {
      const entries = new Map<string, unknown>();
      for (let count = blockCount(c, minWidth); count !== 0; count = blockCount(c, minWidth)) {
        for (let i = 0; i < count; i++) {
          const key = readString(c);
          entries.set(key, read(c));
        }
      }
      return entries;
    };
  }
}

/** spec: "Arrays"/"Maps" — blocks of items; a negative count is followed by the block's size in bytes. */
function blockCount(c: AvroCursor, minWidth: number): number {
  let count = readSize(c);
  if (count < 0) {
    count = -count;
    readSize(c);
  }
  if (minWidth > 0 ? count * minWidth > c.end - c.pos : count > MAX_ZERO_WIDTH_ITEMS) throw truncated();
  return count;
}

/** The fewest bytes a value of the type takes, to reject absurd block counts before looping. */
function minimumWidth(type: avsc.Type): number {
  const logical = logicalTypeOf(type);
  if (logical !== undefined) return minimumWidth(logical.underlyingType);
  switch (type.typeName) {
    case 'null':
      return 0;
    case 'float':
      return 4;
    case 'double':
      return 8;
    case 'fixed':
      return (type as avsc.types.FixedType).size;
    case 'record':
    case 'error':
      // Recursion is impossible here: avro-to-iceberg.ts rejects recursive records first.
      return (type as avsc.types.RecordType).fields.reduce((sum, field) => sum + minimumWidth(field.type), 0);
    default:
      return 1;
  }
}

function join(path: string, name: string): string {
  return path === '' ? name : `${path}.${name}`;
}
