// Avro decoded straight into the column builders (avro-column-decoder.ts) against
// the row path it replaces (decodeSync + RecordBatchBuilder.append), on random
// writer schemas and values (seeded): the same Arrow columns, the same statistics,
// the same records rejected; a rejected record leaves no trace in the columns.
import { type Data, DataType, type Table } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { createValueDecoder, type RecordDecoder } from '../../../src/codec/record-decoder.ts';
import { highestFieldId, type NestedField, primitive, type Schema } from '../../../src/iceberg/types.ts';
import { RecordBatchBuilder } from '../../../src/parquet/record-batch-builder.ts';
import { type Rand, seeded } from '../../support/seeded-random.ts';
import { avroEncoder, InMemorySchemas, where } from './avro-fixtures.ts';

const pick = <T>(rand: Rand, items: readonly T[]): T => items[Math.floor(rand() * items.length)]!;

/** An Avro type and a generator of its values (as avroEncoder takes them: bigint longs, wrapped unions). */
interface Gen {
  readonly type: unknown;
  /** The Avro branch name of the type inside a wrapped union. */
  readonly branch: string;
  value(rand: Rand): unknown;
  /** The table may hold it as this wider Iceberg type (int -> long, float -> double). */
  readonly promoted?: 'long' | 'double';
}

const LONGS = [0n, -1n, 1n, 63n, -64n, 2n ** 31n, -(2n ** 31n) - 1n, 2n ** 47n, -(2n ** 48n), 2n ** 48n - 1n];
const BIG_LONGS = [
  2n ** 48n,
  2n ** 53n + 1n,
  -(2n ** 53n) - 3n,
  2n ** 62n,
  -(2n ** 63n),
  2n ** 63n - 1n,
  // The longest varints the word decoder takes (9 bytes) and the shortest it leaves to the bigint reader.
  2n ** 62n - 1n,
  -(2n ** 62n),
  -(2n ** 62n) - 1n,
  // Around the fifth byte, whose bits straddle the two 32-bit words.
  2n ** 31n - 1n,
  -(2n ** 31n),
  2n ** 32n + 5n,
  -(2n ** 34n) + 1n,
  (2n ** 35n - 1n) * 3n,
];
const STRINGS = ['', 'a', 'zz', 'abc', 'é', 'naïve', '日本', '😀x', 'x'.repeat(300), 'A~', '\u007f'];

function randomLong(rand: Rand): bigint {
  const r = rand();
  if (r < 0.2) return pick(rand, LONGS);
  if (r < 0.3) return pick(rand, BIG_LONGS);
  return BigInt(Math.floor((rand() - 0.5) * 2 ** (1 + Math.floor(rand() * 52))));
}

function randomAscii(rand: Rand): string {
  const n = Math.floor(rand() * 20);
  let text = '';
  for (let i = 0; i < n; i++) text += String.fromCharCode(32 + Math.floor(rand() * 95));
  return text;
}

function decimalBytes(unscaled: bigint): Buffer {
  let hex = BigInt.asUintN(128, unscaled).toString(16).padStart(32, '0');
  // Minimal two's complement: drop leading bytes that only repeat the sign.
  while (
    hex.length > 2 &&
    ((hex.startsWith('00') && Number.parseInt(hex[2]!, 16) < 8) ||
      (hex.startsWith('ff') && Number.parseInt(hex[2]!, 16) >= 8))
  )
    hex = hex.slice(2);
  return Buffer.from(hex, 'hex');
}

const PRIMITIVES: Array<(n: number) => Gen> = [
  () => ({ type: 'long', branch: 'long', value: randomLong }),
  () => ({
    type: 'int',
    branch: 'int',
    promoted: 'long',
    value: (r) => (r() < 0.2 ? pick(r, [0, -1, 2 ** 31 - 1, -(2 ** 31)]) : Math.floor((r() - 0.5) * 2e6)),
  }),
  () => ({
    type: 'double',
    branch: 'double',
    value: (r) => (r() < 0.3 ? pick(r, [0, -0, Number.NaN, Infinity, -Infinity, 1.5]) : (r() - 0.5) * 1e6),
  }),
  () => ({
    type: 'float',
    branch: 'float',
    promoted: 'double',
    value: (r) => Math.fround(r() < 0.3 ? pick(r, [0, -0, Number.NaN, 3.4e38, -1.5]) : (r() - 0.5) * 1e4),
  }),
  () => ({ type: 'boolean', branch: 'boolean', value: (r) => r() < 0.5 }),
  (n) => {
    // Without the edge cases in some columns: they would hold every min and max.
    const edges = [0, 0.01, 0.3][n % 3]!;
    return {
      type: 'string',
      branch: 'string',
      value: (r) => (r() < edges ? pick(r, STRINGS) : randomAscii(r)),
    };
  },
  () => ({
    type: { type: 'long', logicalType: 'timestamp-millis' },
    branch: 'long',
    value: (r) =>
      r() < 0.2 ? pick(r, [0n, -1n, 2n ** 50n, -(2n ** 50n)]) : BigInt(1.7e12 + Math.floor(r() * 1e10)),
  }),
  () => ({ type: { type: 'long', logicalType: 'timestamp-micros' }, branch: 'long', value: randomLong }),
  () => ({
    type: { type: 'int', logicalType: 'date' },
    branch: 'int',
    value: (r) => 19_000 + Math.floor(r() * 1000),
  }),
  () => ({
    type: { type: 'bytes', logicalType: 'decimal', precision: 18, scale: 2 },
    branch: 'bytes',
    value: (r) => decimalBytes(BigInt(Math.floor((r() - 0.5) * 1e15))),
  }),
  () => ({
    type: { type: 'string', logicalType: 'uuid' },
    branch: 'string',
    value: (r) => {
      const hex = (bits: number, digits: number) =>
        Math.floor(r() * 2 ** bits)
          .toString(16)
          .padStart(digits, '0');
      const text = `${hex(32, 8)}-${hex(16, 4)}-4${hex(12, 3)}-8${hex(12, 3)}-${hex(24, 6)}${hex(24, 6)}`;
      return r() < 0.1 ? text.toUpperCase() : text; // upper case: valid, lower-cased by the decoder
    },
  }),
  (n) => {
    // Some with more than 64 symbols: a two-byte index.
    const symbols = n % 2 === 0 ? ['red', 'green', 'blue'] : Array.from({ length: 70 }, (_, i) => `S_${i}`);
    return {
      type: { type: 'enum', name: `E${n}`, symbols },
      branch: `E${n}`,
      value: (r) => pick(r, symbols),
    };
  },
  () => ({
    type: 'bytes',
    branch: 'bytes',
    value: (r) => Buffer.from(Array.from({ length: Math.floor(r() * 5) }, () => Math.floor(r() * 256))),
  }),
  (n) => ({
    type: { type: 'fixed', name: `F${n}`, size: 4 },
    branch: `F${n}`,
    value: (r) => Buffer.from([0, 1, 2, 3].map(() => Math.floor(r() * 256))),
  }),
  (n) => ({
    type: {
      type: 'record',
      name: `R${n}`,
      fields: [
        { name: 'a', type: 'int' },
        { name: 'b', type: ['null', 'string'] },
      ],
    },
    branch: `R${n}`,
    value: (r) => ({ a: Math.floor(r() * 100), b: r() < 0.3 ? null : { string: randomAscii(r) } }),
  }),
  () => ({
    type: { type: 'array', items: 'long' },
    branch: 'array',
    value: (r) => Array.from({ length: Math.floor(r() * 3) }, () => randomLong(r)),
  }),
  () => ({
    type: { type: 'map', values: 'string' },
    branch: 'map',
    value: (r) =>
      Object.fromEntries(Array.from({ length: Math.floor(r() * 3) }, (_, i) => [`k${i}`, randomAscii(r)])),
  }),
];

interface RandomSchema {
  readonly avro: unknown;
  /** Record i's value, as avroEncoder takes it. */
  value(rand: Rand): Record<string, unknown>;
  readonly promotable: ReadonlyMap<string, 'long' | 'double'>;
}

function randomSchema(rand: Rand, n: number): RandomSchema {
  const fields: Array<{ name: string; type: unknown; value: (r: Rand) => unknown }> = [];
  const promotable = new Map<string, 'long' | 'double'>();
  const count = 1 + Math.floor(rand() * 14);
  for (let i = 0; i < count; i++) {
    const gen = pick(rand, PRIMITIVES)(n * 100 + i);
    const name = `f${i}`;
    const shape = rand();
    if (shape < 0.35) {
      fields.push({ name, type: gen.type, value: gen.value });
      if (gen.promoted) promotable.set(name, gen.promoted);
    } else if (shape < 0.9) {
      const nullFirst = rand() < 0.5;
      fields.push({
        name,
        type: nullFirst ? ['null', gen.type] : [gen.type, 'null'],
        value: (r) => (r() < 0.15 ? null : { [gen.branch]: gen.value(r) }),
      });
      if (gen.promoted) promotable.set(name, gen.promoted);
    } else {
      fields.push({
        name,
        type: ['null', 'int', 'string'],
        value: (r) =>
          r() < 0.3 ? null : r() < 0.5 ? { int: Math.floor(r() * 10) } : { string: randomAscii(r) },
      });
    }
  }
  return {
    avro: { type: 'record', name: `Rec${n}`, fields: fields.map(({ name, type }) => ({ name, type })) },
    value: (r) => Object.fromEntries(fields.map((f) => [f.name, f.value(r)])),
    promotable,
  };
}

/** The table a record schema may be written into: its columns shuffled, some widened, extra optional ones. */
function randomTable(rand: Rand, record: Schema, promotable: ReadonlyMap<string, 'long' | 'double'>): Schema {
  const fields: NestedField[] = record.fields.map((f) => {
    const wider = promotable.get(f.name);
    return wider !== undefined && rand() < 0.5 ? { ...f, type: primitive(wider) } : f;
  });
  let id = highestFieldId(record.fields);
  const extra = Math.floor(rand() * 3);
  for (let i = 0; i < extra; i++)
    fields.push({
      id: ++id,
      name: `extra${i}`,
      required: false,
      type: primitive(pick(rand, ['long', 'string', 'int'])),
    });
  for (let i = fields.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [fields[i], fields[j]] = [fields[j]!, fields[i]!];
  }
  return { ...record, fields };
}

/** Bytes that must not decode: cut short, one byte too many, or a union/enum index out of range. */
function corrupt(rand: Rand, payload: Buffer): Buffer {
  const r = rand();
  if (r < 0.4 && payload.length > 6)
    return payload.subarray(0, 5 + Math.floor(rand() * (payload.length - 5)));
  if (r < 0.7) return Buffer.concat([payload, Buffer.from([0])]);
  const bad = Buffer.from(payload);
  bad[5 + Math.floor(rand() * (bad.length - 5))] = 0x7f; // often a bad index or length; may stay valid
  return bad;
}

const normalize = (_key: string, value: unknown): unknown => {
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  if (Object.is(value, -0)) return '-0';
  if (value instanceof Uint8Array) return Array.from(value);
  if (value instanceof Map) return [...value.entries()];
  return value;
};

/** A column's slots as stored (validity, value bytes or words, offsets), children included; nulls' bytes left out. */
function dump(data: Data): unknown {
  const slots: unknown[] = [];
  const offsets = data.valueOffsets as Int32Array | undefined;
  for (let i = 0; i < data.length; i++) {
    if (!data.getValid(i)) slots.push(null);
    else if (DataType.isBool(data.type)) slots.push(((data.values as Uint8Array)[i >> 3]! >> (i & 7)) & 1);
    else if (offsets !== undefined && data.children.length === 0)
      slots.push(Array.from(data.values.subarray(offsets[i]!, offsets[i + 1]!) as Uint8Array));
    else if (offsets !== undefined) slots.push([offsets[i], offsets[i + 1]]);
    else if (data.values !== undefined)
      slots.push(
        Array.from(data.values.subarray(i * data.stride, (i + 1) * data.stride) as ArrayLike<unknown>),
      );
    else slots.push(1);
  }
  return { type: String(data.type), slots, children: data.children.map(dump) };
}

function columns(table: Table): string[] {
  return table.schema.fields.map((field, i) =>
    JSON.stringify([field.name, dump(table.getChildAt(i)!.data[0]!)], normalize),
  );
}

async function decoderFor(avro: unknown): Promise<RecordDecoder> {
  return createValueDecoder('avro', { registry: new InMemorySchemas().addAvro(1, avro) });
}

describe('Avro decoded straight into the column builders', () => {
  for (const seed of Array.from({ length: 40 }, (_, i) => i + 1)) {
    it(`writes the columns the row path writes, bad records rejected alike (seed ${seed})`, async () => {
      const rand = seeded(seed * 7919);
      const random = randomSchema(rand, seed);
      const encoder = avroEncoder(random.avro);
      const decoder = await decoderFor(random.avro);
      const header = Buffer.from([0, 0, 0, 0, 1]);
      const payloads = Array.from({ length: 300 }, () => {
        const payload = Buffer.concat([header, encoder.toBuffer(random.value(rand))]);
        return rand() < 0.08 ? corrupt(rand, payload) : payload;
      });
      const recordSchema = (
        await decoder.decode(payloads.find((p) => p.length > 5)!, where).catch(() => undefined)
      )?.schema;
      const schema =
        recordSchema ??
        (await decoder.decode(Buffer.concat([header, encoder.toBuffer(random.value(rand))]), where)).schema;
      const table = randomTable(rand, schema, random.promotable);

      const viaRows = new RecordBatchBuilder(table);
      const direct = new RecordBatchBuilder(table);
      const rejected = { rows: [] as number[], direct: [] as number[] };
      payloads.forEach((payload, i) => {
        try {
          viaRows.append(decoder.decodeSync(payload, where)!.row);
        } catch {
          rejected.rows.push(i);
        }
        const record = decoder.directSync!(payload)!;
        expect(record.schema).toBe(schema);
        try {
          direct.appendWith(record.fillFor(table)!);
        } catch {
          rejected.direct.push(i);
        }
      });
      expect(rejected.direct).toEqual(rejected.rows);
      expect(direct.rowCount).toBe(payloads.length - rejected.rows.length);
      expect(JSON.stringify([...direct.columnStats()], normalize)).toBe(
        JSON.stringify([...viaRows.columnStats()], normalize),
      );
      expect(columns(direct.finish())).toEqual(columns(viaRows.finish()));
    });
  }

  it('leaves no trace of a record that fails half-way, in the middle of a batch', async () => {
    const avro = {
      type: 'record',
      name: 'Half',
      fields: [
        { name: 'id', type: 'long' },
        { name: 'name', type: ['null', 'string'] },
        { name: 'at', type: { type: 'long', logicalType: 'timestamp-millis' } },
        { name: 'ok', type: 'boolean' },
        { name: 'amount', type: { type: 'bytes', logicalType: 'decimal', precision: 4, scale: 0 } },
      ],
    };
    const encoder = avroEncoder(avro);
    const decoder = await decoderFor(avro);
    const header = Buffer.from([0, 0, 0, 0, 1]);
    const good = (i: number) =>
      Buffer.concat([
        header,
        encoder.toBuffer({
          id: BigInt(i),
          name: { string: `n${i}` },
          at: BigInt(i),
          ok: i % 2 === 0,
          amount: decimalBytes(BigInt(i)),
        }),
      ]);
    // New extremes in every column it reaches before failing: kept, they would show in the stats.
    const extreme = Buffer.concat([
      header,
      encoder.toBuffer({
        id: 10n ** 15n,
        name: { string: '~~~~' },
        at: -(10n ** 12n),
        ok: true,
        amount: decimalBytes(99_999n),
      }),
    ]);
    const truncated = extreme.subarray(0, extreme.length - 2);
    const payloads = [
      good(1),
      good(2),
      extreme,
      truncated,
      Buffer.concat([good(3), Buffer.from([1])]),
      good(4),
    ];
    const { schema } = await decoder.decode(good(0), where);
    const builder = new RecordBatchBuilder(schema);
    const errors: string[] = [];
    for (const payload of payloads) {
      try {
        builder.appendWith(decoder.directSync!(payload)!.fillFor(schema)!);
      } catch (error) {
        errors.push((error as Error).message);
      }
    }
    expect(errors).toEqual([
      "field 'amount' expects at most 4 digits, got bigint 99999",
      'Avro payload is truncated',
      '1 bytes left over after the Avro record',
    ]);
    const expected = new RecordBatchBuilder(schema);
    for (const i of [1, 2, 4]) expected.append(decoder.decodeSync(good(i), where)!.row);
    expect(builder.rowCount).toBe(3);
    expect(JSON.stringify([...builder.columnStats()], normalize)).toBe(
      JSON.stringify([...expected.columnStats()], normalize),
    );
    const written = builder.finish();
    expect(columns(written)).toEqual(columns(expected.finish()));
    expect(written.getChild('id')!.toArray()).toEqual(BigInt64Array.from([1n, 2n, 4n]));
  });

  it('writes into a table whose columns another writer schema made (fields missing, widened, reordered)', async () => {
    const avro = {
      type: 'record',
      name: 'V1',
      fields: [
        { name: 'qty', type: 'int' },
        { name: 'price', type: ['null', 'float'] },
      ],
    };
    const decoder = await decoderFor(avro);
    const payload = Buffer.concat([
      Buffer.from([0, 0, 0, 0, 1]),
      avroEncoder(avro).toBuffer({ qty: -7, price: { float: 2.5 } }),
    ]);
    const { schema } = await decoder.decode(payload, where);
    const table: Schema = {
      schemaId: 3,
      identifierFieldIds: [],
      fields: [
        { id: 10, name: 'note', required: false, type: primitive('string') },
        { id: 11, name: 'price', required: false, type: primitive('double') },
        { id: 12, name: 'qty', required: false, type: primitive('long') },
      ],
    };
    expect(schema.fields.map((f) => f.name)).toEqual(['qty', 'price']);
    const builder = new RecordBatchBuilder(table);
    builder.appendWith(decoder.directSync!(payload)!.fillFor(table)!);
    const written = builder.finish();
    expect(written.toArray().map((row) => row.toJSON())).toEqual([{ note: null, price: 2.5, qty: -7n }]);
    // A field the table has no column for: no fill (the row path names the problem).
    const narrow: Schema = { ...table, fields: table.fields.slice(0, 2) };
    expect(decoder.directSync!(payload)!.fillFor(narrow)).toBeUndefined();
  });
});
