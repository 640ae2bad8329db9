// Throughput of the codec/ layer on a 10-field Avro record in the Confluent wire
// format (the shape of bench/parquet-write.ts's reference schema):
//   node bench/decode-avro.ts [records]
// Payloads are encoded with avsc before timing starts; the timed loop is what the
// worker runs per record once the schema id is cached (decodeSync).
import avsc from 'avsc';
import { createValueDecoder } from '../src/codec/record-decoder.ts';
import { confluentHeader } from '../src/codec/wire-format.ts';
import { type BenchOrder, makePayloads, timeDecoding } from './decode-rounds.ts';

const RECORDS = Number(process.argv[2] ?? 1_000_000);
const SCHEMA_ID = 7;

const writerSchema = {
  type: 'record',
  name: 'Order',
  namespace: 'bench',
  fields: [
    { name: 'id', type: 'long' },
    { name: 'ts', type: { type: 'long', logicalType: 'timestamp-millis' } },
    { name: 'name', type: ['null', 'string'] },
    { name: 'amount', type: ['null', { type: 'bytes', logicalType: 'decimal', precision: 18, scale: 2 }] },
    { name: 'qty', type: ['null', 'int'] },
    { name: 'price', type: ['null', 'double'] },
    { name: 'flag', type: ['null', 'boolean'] },
    {
      name: 'category',
      type: ['null', { type: 'enum', name: 'Category', symbols: ['books', 'games', 'garden', 'toys'] }],
    },
    { name: 'uuid', type: ['null', { type: 'string', logicalType: 'uuid' }] },
    { name: 'day', type: ['null', { type: 'int', logicalType: 'date' }] },
  ],
};

// Encoding side: plain avsc, logical types written as their raw underlying values.
const encoder = avsc.Type.forSchema(writerSchema as avsc.Schema, { wrapUnions: false });

function decimalBytes(unscaled: number): Buffer {
  const buf = Buffer.alloc(8);
  buf.writeBigInt64BE(BigInt(unscaled));
  let start = 0;
  while (
    start < 7 &&
    ((buf[start] === 0 && buf[start + 1]! < 0x80) || (buf[start] === 0xff && buf[start + 1]! >= 0x80))
  ) {
    start++;
  }
  return buf.subarray(start);
}

const CATEGORIES = ['books', 'games', 'garden', 'toys'];
const encode = (o: BenchOrder) =>
  encoder.toBuffer({
    id: o.id,
    ts: o.millis,
    name: o.name,
    amount: decimalBytes(o.cents),
    qty: o.qty,
    price: o.price,
    flag: o.flag,
    category: CATEGORIES[o.category],
    uuid: o.uuid,
    day: o.day,
  });

const decoder = createValueDecoder('avro', {
  registry: {
    getSchema: async () => ({ type: 'AVRO', schema: JSON.stringify(writerSchema), references: [] }),
  },
});

// The baseline, for scale: avsc's own decoder (numbers for longs, no Iceberg
// conversion, unions unwrapped), which floe does not use on the hot path.
await timeDecoding('avro', decoder, makePayloads(RECORDS, confluentHeader(SCHEMA_ID), encode), {
  name: 'avsc Type.decode',
  decode: (payload) => encoder.decode(payload, 5),
});
