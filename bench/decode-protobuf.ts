// Throughput of the codec/ layer on a 10-field Protobuf record in the Confluent wire
// format, the same shape and values as bench/decode-avro.ts's record (so the two
// lines compare: a Timestamp for its timestamp-millis, sint64 cents for its
// decimal, a string for its uuid, proto3 `optional` for its nullable unions):
//   node bench/decode-protobuf.ts [records]
// Payloads are encoded with protobufjs before timing starts; the timed loop is what
// the worker runs per record once the schema id is cached (decodeSync).
import protobuf from 'protobufjs';
import { messageIndexBytes } from '../src/codec/protobuf-wire-format.ts';
import { createValueDecoder } from '../src/codec/record-decoder.ts';
import { confluentHeader } from '../src/codec/wire-format.ts';
import { timeDecoding } from './decode-rounds.ts';

const RECORDS = Number(process.argv[2] ?? 1_000_000);
const SCHEMA_ID = 7;

const PROTO = `
syntax = "proto3";
package bench;
import "google/protobuf/timestamp.proto";
enum Category { books = 0; games = 1; garden = 2; toys = 3; }
message Order {
  int64 id = 1;
  google.protobuf.Timestamp ts = 2;
  optional string name = 3;
  optional sint64 amount_cents = 4;
  optional int32 qty = 5;
  optional double price = 6;
  optional bool flag = 7;
  optional Category category = 8;
  optional string uuid = 9;
  optional int32 day = 10;
}
`;

const root = new protobuf.Root();
root.addJSON(protobuf.common.get('google/protobuf/timestamp.proto')!.nested!);
protobuf.parse(PROTO, root, { keepCase: true });
root.resolveAll();
const Order = root.lookupType('bench.Order');

function makePayloads(n: number): Buffer[] {
  const header = Buffer.concat([confluentHeader(SCHEMA_ID), messageIndexBytes([0])]);
  const out: Buffer[] = new Array(n);
  let seed = 42;
  const next = () => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed;
  };
  for (let i = 0; i < n; i++) {
    const r = next();
    const hex = (next().toString(16).padStart(8, '0') + next().toString(16).padStart(8, '0')).repeat(2);
    const millis = 1_704_067_200_000 + i;
    const body = Order.encode(
      Order.fromObject({
        id: i,
        ts: { seconds: Math.floor(millis / 1000), nanos: (millis % 1000) * 1_000_000 },
        name: `customer-${r % 100_000}`,
        amount_cents: r % 10_000_000,
        qty: r % 100,
        price: (r % 100_000) / 100,
        flag: (r & 1) === 1,
        category: r % 4,
        uuid: `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`,
        day: 19_700 + (r % 365),
      }),
    ).finish();
    out[i] = Buffer.concat([header, body]);
  }
  return out;
}

const decoder = createValueDecoder('protobuf', {
  registry: { getSchema: async () => ({ type: 'PROTOBUF', schema: PROTO, references: [] }) },
});

// The baseline, for scale: protobufjs's own generated decoder (Long objects for
// int64, enums as numbers, no Iceberg conversion), which floe does not use.
await timeDecoding('protobuf', decoder, makePayloads(RECORDS), {
  name: 'protobufjs Type.decode',
  decode: (payload) => Order.decode(payload.subarray(6)),
});
