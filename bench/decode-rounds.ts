// The timed part of the codec benchmarks (decode-avro.ts, decode-protobuf.ts):
// three rounds of decodeSync over payloads encoded beforehand, as the worker calls
// it once the schema id is cached, then the parser library's own decoder on the
// same payloads, for scale.
import { performance } from 'node:perf_hooks';
import type { RecordDecoder } from '../src/codec/record-decoder.ts';

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
