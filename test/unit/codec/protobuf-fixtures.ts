// Protobuf test records: schemas as the registry holds them (.proto text, or base64
// FileDescriptorProtos as Confluent's Python serializer registers them), encoded by
// protobufjs (an encoder floe does not use for decoding) behind the Confluent header.
import protobuf from 'protobufjs';
import descriptor from 'protobufjs/ext/descriptor/index.js';
import { messageIndexBytes } from '../../../src/codec/protobuf-wire-format.ts';
import type { RegisteredSchema, ResolvedSchemaReference } from '../../../src/codec/schema-lookup.ts';
import { confluentHeader } from '../../../src/codec/wire-format.ts';

export const MONEY_PROTO = `
syntax = "proto3";
package shop;
message Money { string currency = 1; int64 units = 2; }
`;

export const ORDER_PROTO = `
syntax = "proto3";
package shop;
import "google/protobuf/timestamp.proto";
import "google/protobuf/duration.proto";
import "google/protobuf/wrappers.proto";
import "shop/money.proto";

enum Status { STATUS_UNKNOWN = 0; NEW = 1; PAID = 2; }

message Order {
  int64 id = 1;
  string name = 2;
  Status status = 3;
  Customer customer = 4;
  repeated Line lines = 5;
  map<string, int32> counts = 6;
  repeated int32 scores = 7;
  oneof payment {
    string card = 8;
    Money cash = 9;
  }
  google.protobuf.Timestamp at = 10;
  google.protobuf.Duration took = 11;
  google.protobuf.Int32Value maybe = 12;
  optional string note = 13;
  uint64 big = 14;
  sint32 delta = 15;
  bytes blob = 16;
  double ratio = 17;
  float f = 18;
  fixed64 f64 = 19;
  sfixed32 sf32 = 20;
  bool ok = 21;
  sint64 s64 = 22;

  message Customer { string email = 1; Address address = 2; }
  message Line { string sku = 1; int32 qty = 2; }
}

message Address { string city = 1; }
`;

export const MONEY_REFERENCE: ResolvedSchemaReference = {
  name: 'shop/money.proto',
  subject: 'shop/money.proto',
  version: 1,
  schema: MONEY_PROTO,
};

export function protobufSchema(text: string, references: ResolvedSchemaReference[] = []): RegisteredSchema {
  return { type: 'PROTOBUF', schema: text, references };
}

/** protobufjs's view of the files, to encode test values with. */
export function encoderRoot(...texts: string[]): protobuf.Root {
  const root = new protobuf.Root();
  for (const name of [
    'google/protobuf/timestamp.proto',
    'google/protobuf/duration.proto',
    'google/protobuf/wrappers.proto',
    'google/protobuf/empty.proto',
  ]) {
    root.addJSON(protobuf.common.get(name)!.nested!);
  }
  for (const text of texts) protobuf.parse(text, root, { keepCase: true });
  root.resolveAll();
  return root;
}

/** header + message indexes + the message `value` (protobufjs object form: int64 as strings) encoded as `type`. */
export function protoRecord(
  schemaId: number,
  root: protobuf.Root,
  type: string,
  value: Record<string, unknown>,
  indexes: readonly number[] = [0],
): Buffer {
  const message = root.lookupType(type);
  const payload = message.encode(message.fromObject(value)).finish();
  return wireBytes(schemaId, indexes, payload);
}

export function wireBytes(schemaId: number, indexes: readonly number[], payload: Uint8Array): Buffer {
  return Buffer.concat([confluentHeader(schemaId), messageIndexBytes(indexes), payload]);
}

/** A FileDescriptorProto (protobufjs object form) as the registry's base64 text. */
export function descriptorText(file: Record<string, unknown>): string {
  const message = descriptor.FileDescriptorProto.fromObject(file);
  return Buffer.from(descriptor.FileDescriptorProto.encode(message).finish()).toString('base64');
}
