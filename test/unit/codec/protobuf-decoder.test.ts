import { describe, expect, it } from 'vitest';
import { createValueDecoder } from '../../../src/codec/record-decoder.ts';
import { RecordError } from '../../../src/errors.ts';
import { typeToString } from '../../../src/iceberg/types.ts';
import { InMemorySchemas, where } from './avro-fixtures.ts';
import {
  descriptorText,
  encoderRoot,
  MONEY_PROTO,
  MONEY_REFERENCE,
  ORDER_PROTO,
  protobufSchema,
  protoRecord,
  wireBytes,
} from './protobuf-fixtures.ts';

const shape = (schema: { fields: unknown }) =>
  typeToString({ kind: 'struct', fields: schema.fields as never });
const rejection = (promise: Promise<unknown>) =>
  promise.then(
    () => expect.fail('resolved'),
    (error: unknown) => error as RecordError,
  );

function orderDecoder() {
  const schemas = new InMemorySchemas();
  schemas.schemas.set(7, protobufSchema(ORDER_PROTO, [MONEY_REFERENCE]));
  return createValueDecoder('protobuf', { registry: schemas });
}
const root = encoderRoot(MONEY_PROTO, ORDER_PROTO);

const DEFAULTS = {
  id: 0n,
  name: '',
  status: 'STATUS_UNKNOWN',
  customer: null,
  lines: [],
  counts: new Map(),
  scores: [],
  payment: null,
  at: null,
  took: null,
  maybe: null,
  note: null,
  big: 0n,
  delta: 0,
  blob: new Uint8Array(0),
  ratio: 0,
  f: 0,
  f64: 0n,
  sf32: 0,
  ok: false,
  s64: 0n,
};

describe('Protobuf through the registry: type mapping', () => {
  it('maps a message with nested, repeated, map, enum, oneof, well-known and every scalar type', async () => {
    const decoded = await orderDecoder().decode(protoRecord(7, root, 'shop.Order', {}), where);
    expect(shape(decoded.schema)).toBe(
      'struct<1: id: optional long, 2: name: optional string, 3: status: optional string, ' +
        '4: customer: optional struct<5: email: optional string, 6: address: optional struct<7: city: optional string>>, ' +
        '8: lines: optional list<struct<10: sku: optional string, 11: qty: optional int>>, ' +
        '12: counts: optional map<string, int>, 15: scores: optional list<int>, ' +
        '17: payment: optional struct<18: tag: optional int, 19: card: optional string, ' +
        '20: cash: optional struct<21: currency: optional string, 22: units: optional long>>, ' +
        '23: at: optional timestamptz, 24: took: optional long, 25: maybe: optional int, 26: note: optional string, ' +
        '27: big: optional decimal(20,0), 28: delta: optional int, 29: blob: optional binary, 30: ratio: optional double, ' +
        '31: f: optional float, 32: f64: optional decimal(20,0), 33: sf32: optional int, 34: ok: optional boolean, ' +
        '35: s64: optional long>',
    );
    // An empty message: implicit-presence fields read as their defaults, fields with presence as null.
    expect(decoded.row).toEqual(DEFAULTS);
  });

  it('decodes every value as the Iceberg value of its column', async () => {
    const value = {
      id: '-9007199254740993',
      name: 'widget ✓',
      status: 'PAID',
      customer: { email: 'a@b.c', address: { city: 'Lyon' } },
      lines: [{ sku: 'x', qty: 2 }, { sku: 'y' }],
      counts: { a: 1, b: -2 },
      scores: [1, -1, 300],
      cash: { currency: 'EUR', units: '12' },
      at: { seconds: '1700000000', nanos: 123456789 },
      took: { seconds: '-2', nanos: -500000 },
      maybe: { value: 0 },
      note: '',
      big: '18446744073709551615',
      delta: -5,
      blob: Buffer.from([0, 255]),
      ratio: 0.25,
      f: 1.5,
      f64: '9223372036854775808',
      sf32: -7,
      ok: true,
      s64: '-3',
    };
    const decoded = await orderDecoder().decode(protoRecord(7, root, 'shop.Order', value), where);
    expect(decoded.row).toEqual({
      id: -9007199254740993n,
      name: 'widget ✓',
      status: 'PAID',
      customer: { email: 'a@b.c', address: { city: 'Lyon' } },
      lines: [
        { sku: 'x', qty: 2 },
        { sku: 'y', qty: 0 },
      ],
      counts: new Map([
        ['a', 1],
        ['b', -2],
      ]),
      scores: [1, -1, 300],
      payment: { tag: 9, card: null, cash: { currency: 'EUR', units: 12n } },
      at: 1_700_000_000_123_456n,
      took: -2_000_500n,
      maybe: 0, // a wrapper that is present holds its value, even the default
      note: '', // proto3 optional: present, though empty
      big: 18446744073709551615n,
      delta: -5,
      blob: new Uint8Array([0, 255]),
      ratio: 0.25,
      f: 1.5,
      f64: 9223372036854775808n,
      sf32: -7,
      ok: true,
      s64: -3n,
    });
  });

  it('sets the oneof member that came last, with its field number as the tag', async () => {
    const decoder = orderDecoder();
    const card = await decoder.decode(protoRecord(7, root, 'shop.Order', { card: '4111' }), where);
    expect(card.row.payment).toEqual({ tag: 8, card: '4111', cash: null });
    // Two members on the wire: the last one wins, as in every Protobuf reader.
    const both = Buffer.concat([
      protoRecord(7, root, 'shop.Order', { card: '4111' }),
      root
        .lookupType('shop.Order')
        .encode({ cash: { currency: 'USD' } })
        .finish(),
    ]);
    expect((await decoder.decode(both, where)).row.payment).toEqual({
      tag: 9,
      card: null,
      cash: { currency: 'USD', units: 0n },
    });
  });

  it('reads repeated scalars packed and unpacked, skips unknown fields, keeps unknown enum numbers', async () => {
    // field 7 (scores) unpacked twice; field 99 unknown (varint, then length-delimited); field 3 (status) = 7
    const payload = Buffer.from([
      0x38, 0x01, 0x38, 0x02, 0x98, 0x06, 0x05, 0x9a, 0x06, 0x01, 0x00, 0x18, 0x07,
    ]);
    const decoded = await orderDecoder().decode(wireBytes(7, [0], payload), where);
    expect(decoded.row).toEqual({ ...DEFAULTS, scores: [1, 2], status: '7' });
  });

  it('decodes nested and later messages named by their message indexes', async () => {
    const decoder = orderDecoder();
    const line = await decoder.decode(
      protoRecord(7, root, 'shop.Order.Line', { sku: 's', qty: 3 }, [0, 1]),
      where,
    );
    expect(line.row).toEqual({ sku: 's', qty: 3 });
    expect(shape(line.schema)).toBe('struct<1: sku: optional string, 2: qty: optional int>');
    const address = await decoder.decode(protoRecord(7, root, 'shop.Address', { city: 'Nice' }, [1]), where);
    expect(address.row).toEqual({ city: 'Nice' });
    const again = await decoder.decode(protoRecord(7, root, 'shop.Address', { city: 'Metz' }, [1]), where);
    expect(again.schema).toBe(address.schema); // one schema object per message
    const none = await rejection(decoder.decode(protoRecord(7, root, 'shop.Address', {}, [4]), where));
    expect(none.message).toBe('orders[3]@1234: message indexes [4] name no message of the schema');
  });

  it('names the record and the field when the payload is bad', async () => {
    const decoder = orderDecoder();
    const full = protoRecord(7, root, 'shop.Order', { name: 'abcdef' });
    const truncated = await rejection(decoder.decode(full.subarray(0, full.length - 2), where));
    expect(truncated).toBeInstanceOf(RecordError);
    expect(truncated.message).toBe('orders[3]@1234: Protobuf payload is truncated');
    expect(truncated.context.reason).toBe('malformed');
    // customer (field 4) written as a varint
    const wrongWire = await rejection(decoder.decode(wireBytes(7, [0], Buffer.from([0x20, 0x01])), where));
    expect(wrongWire.message).toBe(
      "orders[3]@1234: customer: wire type varint, but the schema's type is encoded as length-delimited",
    );
    const avro = new InMemorySchemas().addAvro(8, { type: 'record', name: 'R', fields: [] });
    const wrongType = await rejection(
      createValueDecoder('protobuf', { registry: avro }).decode(wireBytes(8, [0], Buffer.alloc(0)), where),
    );
    expect(wrongType.message).toBe(
      'orders[3]@1234: schema id 8: it is a AVRO schema, but value.format protobuf reads PROTOBUF schemas',
    );
  });

  it('refuses a recursive message, naming it', async () => {
    const schemas = new InMemorySchemas();
    schemas.schemas.set(
      3,
      protobufSchema('syntax = "proto3"; message Node { string v = 1; Node next = 2; }'),
    );
    const decoder = createValueDecoder('protobuf', { registry: schemas });
    const error = await rejection(decoder.decode(wireBytes(3, [0], Buffer.alloc(0)), where));
    expect(error.message).toBe(
      'orders[3]@1234: schema id 3: recursive Protobuf message Node at next has no Iceberg equivalent',
    );
    expect(error.context.reason).toBe('incompatible');
  });
});

describe('Protobuf schema variants', () => {
  it('finds messages by index under a nested package and without a package', async () => {
    const nested =
      'syntax = "proto3"; package a.b.c; enum E { Z = 0; } message First { int32 x = 1; } message Second { message Inner { string s = 1; } }';
    const bare = 'syntax = "proto3"; message Only { bool ok = 1; }';
    const schemas = new InMemorySchemas();
    schemas.schemas.set(1, protobufSchema(nested));
    schemas.schemas.set(2, protobufSchema(bare));
    const decoder = createValueDecoder('protobuf', { registry: schemas });
    const inner = await decoder.decode(wireBytes(1, [1, 0], Buffer.from([0x0a, 0x01, 0x71])), where);
    expect(inner.row).toEqual({ s: 'q' });
    const first = await decoder.decode(wireBytes(1, [0], Buffer.from([0x08, 0x05])), where);
    expect(first.row).toEqual({ x: 5 });
    const only = await decoder.decode(wireBytes(2, [0], Buffer.from([0x08, 0x01])), where);
    expect(only.row).toEqual({ ok: true });
  });

  it('gives messages without fields (google.protobuf.Empty) no column; a oneof tag still says one was set', async () => {
    const text = `syntax = "proto3"; import "google/protobuf/empty.proto";
      message Nothing {}
      message R {
        int32 id = 1;
        google.protobuf.Empty e = 2;
        repeated Nothing ns = 3;
        oneof result { google.protobuf.Empty ok = 4; string error = 5; }
      }`;
    const schemas = new InMemorySchemas();
    schemas.schemas.set(1, protobufSchema(text));
    schemas.schemas.set(2, protobufSchema('syntax = "proto3"; message Nothing {}'));
    const decoder = createValueDecoder('protobuf', { registry: schemas });
    const r = encoderRoot(text);
    const ok = await decoder.decode(
      protoRecord(1, r, 'R', { id: 1, e: {}, ns: [{}, {}], ok: {} }, [1]),
      where,
    );
    expect(shape(ok.schema)).toBe(
      'struct<1: id: optional int, 2: result: optional struct<3: tag: optional int, 4: error: optional string>>',
    );
    expect(ok.row).toEqual({ id: 1, result: { tag: 4, error: null } });
    const failed = await decoder.decode(protoRecord(1, r, 'R', { id: 2, error: 'no' }, [1]), where);
    expect(failed.row).toEqual({ id: 2, result: { tag: 5, error: 'no' } });
    const empty = await rejection(decoder.decode(wireBytes(2, [0], Buffer.alloc(0)), where));
    expect(empty.message).toBe(
      'orders[3]@1234: schema id 2: Protobuf message Nothing has no fields to make columns of',
    );
  });

  it('reads proto2 optional fields as null when absent', async () => {
    const schemas = new InMemorySchemas();
    schemas.schemas.set(
      1,
      protobufSchema(
        'syntax = "proto2"; message P { optional int32 a = 1 [default = 7]; optional string b = 2; repeated int32 c = 3; }',
      ),
    );
    const decoder = createValueDecoder('protobuf', { registry: schemas });
    const absent = await decoder.decode(wireBytes(1, [0], Buffer.alloc(0)), where);
    expect(absent.row).toEqual({ a: null, b: null, c: [] });
    const present = await decoder.decode(
      wireBytes(1, [0], Buffer.from([0x08, 0x00, 0x18, 0x01, 0x18, 0x02])),
      where,
    );
    expect(present.row).toEqual({ a: 0, b: null, c: [1, 2] });
  });
});

describe('Protobuf schemas that do not resolve', () => {
  it('names the type an import the registry does not hold would have given', async () => {
    const schemas = new InMemorySchemas();
    schemas.schemas.set(
      5,
      protobufSchema(
        'syntax = "proto3"; import "google/type/date.proto"; message Event { google.type.Date day = 1; }',
      ),
    );
    const decoder = createValueDecoder('protobuf', { registry: schemas });
    const error = await rejection(decoder.decode(wireBytes(5, [0], Buffer.alloc(0)), where));
    expect(error.message).toMatch(
      /^orders\[3\]@1234: schema id 5: the Protobuf schema cannot be read: no such Type or Enum 'google\.type\.Date' in Type \.Event$/,
    );
    expect(error.context.reason).toBe('incompatible');
  });
});

describe('Protobuf descriptors (what Confluent Python registers)', () => {
  it('decodes records of confluent-kafka 2.16.1 ProtobufSerializer against the descriptors Apicurio returned', async () => {
    // shop/order.proto: Order { int64 id = 1; Money total = 2; Timestamp at = 3; map<string, int32> counts = 4;
    //   message Line { string sku = 1; } repeated Line lines = 5; }, importing shop/common.proto (Money).
    const schemas = new InMemorySchemas();
    schemas.schemas.set(3, {
      type: 'PROTOBUF',
      schema:
        'ChBzaG9wL29yZGVyLnByb3RvEgRzaG9wGh9nb29nbGUvcHJvdG9idWYvdGltZXN0YW1wLnByb3RvGhFzaG9wL2NvbW1vbi5wcm90byLlAQoFT3JkZXISCgoCaWQYASABKAMSGgoFdG90YWwYAiABKAsyCy5zaG9wLk1vbmV5EiYKAmF0GAMgASgLMhouZ29vZ2xlLnByb3RvYnVmLlRpbWVzdGFtcBInCgZjb3VudHMYBCADKAsyFy5zaG9wLk9yZGVyLkNvdW50c0VudHJ5Eh8KBWxpbmVzGAUgAygLMhAuc2hvcC5PcmRlci5MaW5lGi0KC0NvdW50c0VudHJ5EgsKA2tleRgBIAEoCRINCgV2YWx1ZRgCIAEoBToCOAEaEwoETGluZRILCgNza3UYASABKAliBnByb3RvMw==',
      references: [
        {
          name: 'shop/common.proto',
          subject: 'shop/common.proto',
          version: 1,
          schema:
            'ChFzaG9wL2NvbW1vbi5wcm90bxIEc2hvcCIoCgVNb25leRIQCghjdXJyZW5jeRgBIAEoCRINCgV1bml0cxgCIAEoA2IGcHJvdG8z',
        },
      ],
    });
    const decoder = createValueDecoder('protobuf', { registry: schemas });
    const order = await decoder.decode(
      Buffer.from(
        '000000000300080512070a03455552100c1a0b0880e2cfaa0610959aef3a22050a016110032a030a01782a030a0179',
        'hex',
      ),
      where,
    );
    expect(order.row).toEqual({
      id: 5n,
      total: { currency: 'EUR', units: 12n },
      at: 1_700_000_000_123_456n,
      counts: new Map([['a', 3]]),
      lines: [{ sku: 'x' }, { sku: 'y' }],
    });
    expect(shape(order.schema)).toBe(
      'struct<1: id: optional long, 2: total: optional struct<3: currency: optional string, 4: units: optional long>, ' +
        '5: at: optional timestamptz, 6: counts: optional map<string, int>, 9: lines: optional list<struct<11: sku: optional string>>>',
    );
    // Order.Line is [0, 1]: the map's CountsEntry is nested message 0, as protoc emits it.
    const line = await decoder.decode(Buffer.from('00000000030400020a017a', 'hex'), where);
    expect(line.row).toEqual({ sku: 'z' });
  });

  it('reads proto3 optional as an optional field, not a oneof', async () => {
    const file = {
      name: 'p.proto',
      syntax: 'proto3',
      messageType: [
        {
          name: 'P',
          field: [
            { name: 'a', number: 1, label: 1, type: 5, oneofIndex: 0, proto3Optional: true },
            { name: 'b', number: 2, label: 1, type: 5 },
          ],
          oneofDecl: [{ name: '_a' }],
        },
      ],
    };
    const schemas = new InMemorySchemas();
    schemas.schemas.set(4, { type: 'PROTOBUF', schema: descriptorText(file) });
    const decoder = createValueDecoder('protobuf', { registry: schemas });
    const absent = await decoder.decode(wireBytes(4, [0], Buffer.alloc(0)), where);
    expect(shape(absent.schema)).toBe('struct<1: a: optional int, 2: b: optional int>');
    expect(absent.row).toEqual({ a: null, b: 0 });
    const zero = await decoder.decode(wireBytes(4, [0], Buffer.from([0x08, 0x00])), where);
    expect(zero.row).toEqual({ a: 0, b: 0 });
  });
});
