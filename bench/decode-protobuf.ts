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
import { type BenchOrder, makePayloads, timeDecoding } from './decode-rounds.ts';

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

const encode = (o: BenchOrder) =>
  Order.encode(
    Order.fromObject({
      id: o.id,
      ts: { seconds: Math.floor(o.millis / 1000), nanos: (o.millis % 1000) * 1_000_000 },
      name: o.name,
      amount_cents: o.cents,
      qty: o.qty,
      price: o.price,
      flag: o.flag,
      category: o.category,
      uuid: o.uuid,
      day: o.day,
    }),
  ).finish();
const header = Buffer.concat([confluentHeader(SCHEMA_ID), messageIndexBytes([0])]);

const decoder = createValueDecoder('protobuf', {
  registry: { getSchema: async () => ({ type: 'PROTOBUF', schema: PROTO, references: [] }) },
});

// The baseline, for scale: protobufjs's own generated decoder (Long objects for
// int64, enums as numbers, no Iceberg conversion), which floe does not use.
await timeDecoding('protobuf', decoder, makePayloads(RECORDS, header, encode), {
  name: 'protobufjs Type.decode',
  decode: (payload) => Order.decode(payload.subarray(6)),
});
