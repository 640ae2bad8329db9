// Which top-level columns a data file writes without a dictionary. arrow-rs starts
// every column with a dictionary and falls back to plain only once the dictionary
// page is full; parquet-mr (Iceberg Java) drops a dictionary that does not pay off.
// With zstd on top, plain wins on values that rarely repeat: on the benchmark's
// wide rows, ints with a dictionary took 5.0 bytes a value against 3.1 plain, and
// strings with 80,000 distinct values in 385,000 rows 3.0 against 2.6. So:
// - types whose values rarely repeat (ids, measurements, timestamps) are plain;
// - ints, dates and strings are looked at in the file's first chunk: plain when
//   more than one value in DISTINCT_SHARE is new; a dictionary otherwise
//   (categories, quantities, days).
// Nested columns cannot be named to parquet-wasm (one-part paths only) and keep
// the default.
import type { Data, Table } from 'apache-arrow';
import type { Schema } from '../iceberg/types.ts';

/** Types whose values rarely repeat: always plain. */
const HIGH_CARDINALITY = new Set([
  'long',
  'float',
  'double',
  'decimal',
  'time',
  'timestamp',
  'timestamptz',
  'timestamp_ns',
  'timestamptz_ns',
  'uuid',
  'fixed',
  'binary',
]);

/** Types judged by their values. */
const SAMPLED = new Set(['int', 'date', 'string']);

/** Plain when distinct values exceed this share of the sampled non-null values. */
const DISTINCT_SHARE = 1 / 8;
/** Values looked at per column, at most. */
const SAMPLE_ROWS = 16_384;
/** Fewer non-null values than this say too little: the column keeps its dictionary. */
const MIN_SAMPLE = 1024;

/** Column names to write plain, from the schema and the file's first chunk (`sample`, its Arrow table). */
export function plainColumns(schema: Schema, sample?: Table): string[] {
  const children = sample?.batches[0]?.data.children;
  return schema.fields.flatMap((field, index) => {
    if (HIGH_CARDINALITY.has(field.type.kind)) return [field.name];
    const data = children?.[index];
    if (!SAMPLED.has(field.type.kind) || data === undefined) return [];
    return rarelyRepeats(data) ? [field.name] : [];
  });
}

/** Bits of the distinct-value sketch: four per sampled value at most, so few collide. */
const SKETCH_BITS = 1 << 16;
const sketch = new Uint32Array(SKETCH_BITS / 32);

function rarelyRepeats(data: Data): boolean {
  const rows = Math.min(data.length, SAMPLE_ROWS);
  const offsets = data.valueOffsets as Int32Array | undefined;
  const values = data.values as Int32Array | Uint8Array;
  const bitmap = data.nullCount > 0 ? data.nullBitmap : undefined;
  sketch.fill(0);
  let nonNull = 0;
  for (let i = 0; i < rows; i++) {
    const row = data.offset + i;
    if (bitmap !== undefined && ((bitmap[row >> 3] ?? 0) & (1 << (row & 7))) === 0) continue;
    nonNull++;
    const value =
      offsets === undefined ? (values[row] as number) : hashBytes(values, offsets[row]!, offsets[row + 1]!);
    // The hash's top 16 bits pick the sketch bit (Fibonacci hashing spreads nearby ints).
    const bit = Math.imul(value, 0x9e3779b1) >>> 16;
    sketch[bit >>> 5]! |= 1 << (bit & 31);
  }
  return nonNull >= MIN_SAMPLE && distinctEstimate() > nonNull * DISTINCT_SHARE;
}

/**
 * Linear counting (Whang et al. 1990): n distinct values hashed into m bits
 * leave about m * e^(-n/m) of them clear, so n is about -m * ln(clear / m).
 * At 16,384 values in 65,536 bits its error is about 1%, where a Set of the
 * values cost a hash table insert per value (1.7% of the JS thread on wide rows).
 */
function distinctEstimate(): number {
  let set = 0;
  for (const word of sketch) {
    let w = word - ((word >>> 1) & 0x55555555);
    w = (w & 0x33333333) + ((w >>> 2) & 0x33333333);
    set += Math.imul((w + (w >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
  }
  const clear = SKETCH_BITS - set;
  return clear === 0 ? Number.POSITIVE_INFINITY : -SKETCH_BITS * Math.log(clear / SKETCH_BITS);
}

/**
 * FNV-1a of a string's UTF-8 bytes and its length, as a 32-bit integer: a
 * collision only lowers the count a little.
 */
function hashBytes(bytes: Uint8Array | Int32Array, start: number, end: number): number {
  let hash = 0x811c9dc5 ^ (end - start);
  for (let i = start; i < end; i++) hash = Math.imul(hash ^ (bytes[i] as number), 0x01000193);
  return hash;
}
