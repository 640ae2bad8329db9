// The two record shapes of the end-to-end benchmark, as Avro writer schemas and a
// deterministic generator (record i is the same on every run and machine):
// - reference: 10 fields, ~100 bytes on the wire (bench/decode-avro.ts's shape);
// - wide: 50 fields (longs, ints, doubles, short strings, booleans, timestamps), ~340 bytes.
import avsc from 'avsc';

export type ShapeName = 'reference' | 'wide';

export interface RecordShape {
  readonly name: ShapeName;
  readonly schema: Readonly<Record<string, unknown>>;
  /** The Avro binary body of record i (no wire-format header). */
  encode(i: number): Buffer;
}

const CATEGORIES = ['books', 'games', 'garden', 'toys'];
const WORDS = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel'];
const BASE_TS_MS = 1_704_067_200_000; // 2024-01-01T00:00:00Z

/** A linear congruential generator seeded from the record number. */
function randoms(i: number): () => number {
  let seed = Math.imul(i, 2654435761) >>> 0;
  return () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed;
  };
}

/** Minimal big-endian two's complement bytes of a non-negative unscaled decimal. */
function decimalBytes(unscaled: number): Buffer {
  let hex = unscaled.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  const bytes = Buffer.from(hex, 'hex');
  return (bytes[0]! & 0x80) !== 0 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes;
}

function uuidFrom(next: () => number): string {
  const hex = (next().toString(16).padStart(8, '0') + next().toString(16).padStart(8, '0')).repeat(2);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

const optional = (type: unknown) => ['null', type];

const REFERENCE_SCHEMA = {
  type: 'record',
  name: 'Order',
  namespace: 'floe.bench',
  fields: [
    { name: 'id', type: 'long' },
    { name: 'ts', type: { type: 'long', logicalType: 'timestamp-millis' } },
    { name: 'name', type: optional('string'), default: null },
    {
      name: 'amount',
      type: optional({ type: 'bytes', logicalType: 'decimal', precision: 18, scale: 2 }),
      default: null,
    },
    { name: 'qty', type: optional('int'), default: null },
    { name: 'price', type: optional('double'), default: null },
    { name: 'flag', type: optional('boolean'), default: null },
    {
      name: 'category',
      type: optional({ type: 'enum', name: 'Category', symbols: CATEGORIES }),
      default: null,
    },
    { name: 'uuid', type: optional({ type: 'string', logicalType: 'uuid' }), default: null },
    { name: 'day', type: optional({ type: 'int', logicalType: 'date' }), default: null },
  ],
};

/** Column kinds of the wide shape, in order; 50 in all with `id` first. */
const WIDE_KINDS: ReadonlyArray<readonly [prefix: string, count: number, type: unknown]> = [
  ['l', 11, 'long'],
  ['i', 10, 'int'],
  ['d', 10, 'double'],
  ['s', 10, 'string'],
  ['b', 4, 'boolean'],
  ['t', 4, { type: 'long', logicalType: 'timestamp-millis' }],
];

const WIDE_FIELDS = WIDE_KINDS.flatMap(([prefix, count, type]) =>
  Array.from({ length: count }, (_, k) => ({
    name: `${prefix}${String(k + 1).padStart(2, '0')}`,
    type: optional(type),
    default: null,
  })),
);

const WIDE_SCHEMA = {
  type: 'record',
  name: 'Wide',
  namespace: 'floe.bench',
  fields: [{ name: 'id', type: 'long' }, ...WIDE_FIELDS],
};

/** Record i has id i; the upsert shape gives a key's versions other seeds. */
function referenceRecord(i: number, id = i): Record<string, unknown> {
  const next = randoms(i);
  const r = next();
  return {
    id,
    ts: BASE_TS_MS + i,
    name: `customer-${r % 100_000}`,
    amount: decimalBytes(r % 10_000_000),
    qty: r % 100,
    price: (r % 100_000) / 100,
    flag: (r & 1) === 1,
    category: CATEGORIES[r % CATEGORIES.length],
    uuid: uuidFrom(next),
    day: 19_700 + (r % 365),
  };
}

function wideRecord(i: number): Record<string, unknown> {
  const next = randoms(i);
  const record: Record<string, unknown> = { id: i };
  for (const field of WIDE_FIELDS) {
    const r = next();
    // One value in 16 is null, as real wide tables are rarely dense.
    if ((r & 15) === 0) {
      record[field.name] = null;
      continue;
    }
    switch (field.name[0]) {
      case 'l':
        record[field.name] = r * 64 + (i % 64);
        break;
      case 'i':
        record[field.name] = (r % 2_000_000) - 1_000_000;
        break;
      case 'd':
        record[field.name] = r / 1024;
        break;
      case 's':
        record[field.name] = `${WORDS[r % WORDS.length]}-${(r >>> 8) % 10_000}`;
        break;
      case 'b':
        record[field.name] = (r & 32) === 0;
        break;
      default:
        record[field.name] = BASE_TS_MS + (r % 31_536_000) * 1000;
    }
  }
  return record;
}

function shape(
  name: ShapeName,
  schema: Record<string, unknown>,
  make: (i: number) => Record<string, unknown>,
): RecordShape {
  // Logical types are written as their underlying values (millis, bytes, days).
  const type = avsc.Type.forSchema(schema as avsc.Schema, { wrapUnions: false });
  return { name, schema, encode: (i) => type.toBuffer(make(i)) };
}

const referenceType = avsc.Type.forSchema(REFERENCE_SCHEMA as avsc.Schema, { wrapUnions: false });

/** A reference-shape record (Avro body) with id `id` and the other fields of record `seed`. */
export function encodeReferenceRecord(id: number, seed: number): Buffer {
  return referenceType.toBuffer(referenceRecord(seed, id));
}

export const RECORD_SHAPES: Readonly<Record<ShapeName, RecordShape>> = {
  reference: shape('reference', REFERENCE_SCHEMA, (i) => referenceRecord(i)),
  wide: shape('wide', WIDE_SCHEMA, wideRecord),
};
