// What the codec benchmarks (decode-avro.ts, decode-protobuf.ts) share: the values
// of their record, and the timed part: three rounds of decodeSync over payloads
// encoded beforehand, as the worker calls it once the schema id is cached, then the
// parser library's own decoder on the same payloads, for scale.
import { performance } from 'node:perf_hooks';
import type { RecordDecoder } from '../src/codec/record-decoder.ts';

/** The benchmark record's values, the same for every format: record i of a seeded sequence. */
export interface BenchOrder {
  readonly id: number;
  readonly millis: number;
  readonly name: string;
  readonly cents: number;
  readonly qty: number;
  readonly price: number;
  readonly flag: boolean;
  readonly category: number;
  readonly uuid: string;
  readonly day: number;
}

/** Encodes `n` records with `encode`, each behind `header`. */
export function makePayloads(
  n: number,
  header: Uint8Array,
  encode: (order: BenchOrder) => Uint8Array,
): Buffer[] {
  const out: Buffer[] = new Array(n);
  let seed = 42;
  const next = () => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed;
  };
  for (let i = 0; i < n; i++) {
    const r = next();
    const hex = (next().toString(16).padStart(8, '0') + next().toString(16).padStart(8, '0')).repeat(2);
    const body = encode({
      id: i,
      millis: 1_704_067_200_000 + i,
      name: `customer-${r % 100_000}`,
      cents: r % 10_000_000,
      qty: r % 100,
      price: (r % 100_000) / 100,
      flag: (r & 1) === 1,
      category: r % 4,
      uuid: `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`,
      day: 19_700 + (r % 365),
    });
    out[i] = Buffer.concat([header, body]);
  }
  return out;
}

const rate = (records: number, seconds: number) => Math.round(records / seconds).toLocaleString('en-US');

export async function timeDecoding(
  format: string,
  decoder: RecordDecoder,
  payloads: readonly Buffer[],
  baseline: { readonly name: string; decode(payload: Buffer): unknown },
): Promise<void> {
  const where = { topic: 'orders', partition: 0, offset: 0n };
  await decoder.decode(payloads[0]!, where); // caches the schema id
  const records = payloads.length;
  for (let round = 0; round < 3; round++) {
    let checksum = 0;
    const start = performance.now();
    for (let i = 0; i < records; i++) {
      const decoded = decoder.decodeSync(payloads[i]!, where);
      if (decoded !== undefined && decoded.row.flag === true) checksum++;
    }
    const seconds = (performance.now() - start) / 1000;
    console.log(
      `${format} round ${round + 1}: ${records} records in ${seconds.toFixed(3)} s = ${rate(records, seconds)} records/s (checksum ${checksum})`,
    );
  }
  const start = performance.now();
  for (let i = 0; i < records; i++) baseline.decode(payloads[i]!);
  console.log(`${baseline.name} baseline: ${rate(records, (performance.now() - start) / 1000)} records/s`);
}
