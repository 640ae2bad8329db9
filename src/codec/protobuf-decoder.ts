// Protobuf binary message -> Row, by a function generated once per message type
// (no type switch per value), producing Iceberg values directly
// (protobuf-to-iceberg.ts has the mapping; protobuf-value-readers.ts reads the
// values). Fields may come in any order and
// more than once (the last wins; repeated ones append); fields the schema does
// not know are skipped. An absent field is null when it has presence, else its
// default (0, "", false, the enum's zero value, [] or an empty map).
import type { Row, Schema } from '../iceberg/types.ts';
import { PayloadError } from './payload-error.ts';
import {
  LENGTH_DELIMITED,
  ProtoCursor,
  readInt32,
  readLength,
  readVarint32,
  skipField,
  truncated,
  VARINT,
} from './protobuf-binary-reader.ts';
import type { ProtoField, ProtoMessage, ProtoOneof, ProtoValueType } from './protobuf-schema.ts';
import { hasColumn, join, ONEOF_TAG_FIELD, protobufToIceberg, wellKnownType } from './protobuf-to-iceberg.ts';
import { embedded, type Read, SCALARS, wellKnownReader, zeroOf } from './protobuf-value-readers.ts';
import { readingRowFactory } from './row-factory.ts';

/** A message type ready to decode: its Iceberg schema and a reader for its payloads. */
export interface CompiledProtobufMessage {
  readonly schema: Schema;
  /** Decodes the message that spans bytes[start..]; throws PayloadError. */
  decode(bytes: Buffer, start: number): Row;
}

export function compileProtobufDecoder(message: ProtoMessage): CompiledProtobufMessage {
  const schema = protobufToIceberg(message); // rejects what has no Iceberg equivalent first
  const read = new HandlerCompiler().message(message, '');
  const cursor = new ProtoCursor();
  return {
    schema,
    decode(bytes: Buffer, start: number): Row {
      cursor.reset(bytes, start);
      return read(cursor) as Row;
    },
  };
}

/** One `case` of a message's generated switch: a key (field number and wire type) and its statement. */
interface Case {
  readonly key: number;
  readonly statement: string;
}

class HandlerCompiler {
  readonly #messages = new Map<ProtoMessage, Read>();

  /**
   * Reads a message that spans c.pos..c.end with a function generated for the type:
   * one local per member, a switch on the field key (a jump table), and one object
   * literal at the end, so every row of the type has the same shape.
   */
  message(message: ProtoMessage, path: string): Read {
    const known = this.#messages.get(message);
    if (known !== undefined) return known;
    let read: Read | undefined;
    this.#messages.set(message, (c) => read!(c));
    const helpers: unknown[] = [];
    const helper = (value: unknown) => `h[${helpers.push(value) - 1}]`;
    const locals: string[] = [];
    const cases: Case[] = [];
    const expected = new Map<number, [string, number]>(); // field number -> path, wire type
    // Fields without a column are skipped like unknown ones (protobuf-to-iceberg.ts).
    const members = message.members.filter((member) => member.kind === 'oneof' || hasColumn(member));
    members.forEach((member, slot) => {
      const local = `v${slot}`;
      const memberPath = join(path, member.name);
      if (member.kind === 'oneof') {
        locals.push(`${local} = null`);
        for (const branch of this.#oneof(member, local, memberPath, helper)) {
          cases.push(branch.case);
          expected.set(branch.field.number, [join(memberPath, branch.field.name), branch.wireType]);
        }
        return;
      }
      locals.push(`${local} = ${initialValue(member, helper)}`);
      const { wireType, fieldCases } = this.#field(member, local, memberPath, helper);
      cases.push(...fieldCases);
      expected.set(member.number, [memberPath, wireType]);
    });
    const other = helper((c: ProtoCursor, key: number) => otherField(c, key, expected));
    const body = [
      locals.length === 0 ? '' : `let ${locals.join(', ')};`,
      'const end = c.end;',
      'while (c.pos < end) {',
      '  const key = readKey(c);',
      '  switch (key) {',
      ...cases.map((item) => `    case ${item.key}: ${item.statement} break;`),
      `    default: ${other}(c, key);`,
      '  }',
      '}',
      `if (c.pos > end) throw ${helper(truncated)}();`,
      `return { ${members.map((member, slot) => `${propertyKey(member.name)}: v${slot}`).join(', ')} };`,
    ];
    const factory = new Function('h', 'readKey', `return function readMessage(c) {\n${body.join('\n')}\n};`);
    read = factory(helpers, readVarint32) as Read;
    return read;
  }

  #field(
    field: ProtoField,
    local: string,
    path: string,
    helper: (value: unknown) => string,
  ): { wireType: number; fieldCases: Case[] } {
    if (field.label === 'map') {
      const statement = `${helper(this.#mapEntry(field, path))}(c, ${local});`;
      return {
        wireType: LENGTH_DELIMITED,
        fieldCases: [{ key: key(field.number, LENGTH_DELIMITED), statement }],
      };
    }
    const { read, wireType } = this.#value(field.type, path);
    const reader = helper(read);
    if (field.label === 'single') {
      return {
        wireType,
        fieldCases: [{ key: key(field.number, wireType), statement: `${local} = ${reader}(c);` }],
      };
    }
    const fieldCases: Case[] = [
      { key: key(field.number, wireType), statement: `${local}.push(${reader}(c));` },
    ];
    if (wireType !== LENGTH_DELIMITED) {
      // Packed (the proto3 default for scalars); readers accept either encoding.
      const packed = (c: ProtoCursor, items: unknown[]) => {
        const length = readLength(c);
        const end = c.pos + length;
        while (c.pos < end) items.push(read(c));
        if (c.pos > end) throw truncated();
      };
      fieldCases.push({
        key: key(field.number, LENGTH_DELIMITED),
        statement: `${helper(packed)}(c, ${local});`,
      });
    }
    return { wireType, fieldCases };
  }

  #oneof(
    oneof: ProtoOneof,
    local: string,
    path: string,
    helper: (value: unknown) => string,
  ): Array<{ field: ProtoField; wireType: number; case: Case }> {
    const columns = oneof.fields.filter((field) => hasColumn(field));
    const names = [ONEOF_TAG_FIELD, ...columns.map((field) => field.name)];
    return oneof.fields.map((field) => {
      const { read, wireType } = this.#value(field.type, join(path, field.name));
      const branch = columns.indexOf(field); // -1: no column, only the tag says it was set
      const value = readingRowFactory<unknown>(
        names,
        names.map((_, i) => (i === 0 ? () => field.number : i === branch + 1 ? (v) => v : () => null)),
      );
      const statement = `${local} = ${helper(value)}(${helper(read)}(c));`;
      return { field, wireType, case: { key: key(field.number, wireType), statement } };
    });
  }

  /** Reads one length-delimited map entry (key = 1, value = 2) into the map. */
  #mapEntry(field: ProtoField, path: string): (c: ProtoCursor, map: Map<unknown, unknown>) => void {
    const mapKey = SCALARS[field.mapKey!];
    const value = this.#value(field.type, `${path}.value`);
    const valueZero = zeroOf(field.type, value.read);
    return (c, map) => {
      const length = readLength(c);
      const end = c.pos + length;
      const outer = c.end;
      c.end = end;
      let k: unknown = mapKey.zero;
      let v: unknown;
      while (c.pos < end) {
        const entryKey = readVarint32(c);
        const number = entryKey >>> 3;
        const wireType = entryKey & 7;
        if (number === 1 && wireType === mapKey.wireType) k = mapKey.read(c);
        else if (number === 2 && wireType === value.wireType) v = value.read(c);
        else skipField(c, wireType, number);
      }
      c.end = outer;
      if (c.pos > end) throw truncated();
      map.set(k, v === undefined ? valueZero(c) : v);
    };
  }

  /** How one value of the type is read, and its wire type. */
  #value(type: ProtoValueType, path: string): { read: Read; wireType: number } {
    switch (type.kind) {
      case 'scalar':
        return SCALARS[type.scalar];
      case 'enum': {
        const names = type.names;
        // proto3 enums are open: a number the schema does not name is kept as its text.
        const read: Read = (c) => {
          const number = readInt32(c);
          return names.get(number) ?? String(number);
        };
        return { read, wireType: VARINT };
      }
      case 'message':
        return { read: embedded(this.#messageValue(type.message, path)), wireType: LENGTH_DELIMITED };
    }
  }

  /** Reads a message value spanning c.pos..c.end: a row, or a well-known type's primitive. */
  #messageValue(message: ProtoMessage, path: string): Read {
    const known = wellKnownType(message);
    if (known === undefined) return this.message(message, path);
    return wellKnownReader(known);
  }
}

/** The value of a field the message does not carry, as code. */
function initialValue(field: ProtoField, helper: (value: unknown) => string): string {
  if (field.label === 'repeated') return '[]';
  if (field.label === 'map') return 'new Map()';
  if (field.presence) return 'null';
  if (field.type.kind === 'enum') return helper(field.type.zero);
  if (field.type.kind === 'scalar') return helper(SCALARS[field.type.scalar].zero);
  return 'null';
}

function key(fieldNumber: number, wireType: number): number {
  return fieldNumber * 8 + wireType;
}

/** A key the switch has no case for: a known field in the wrong encoding, or a field to skip. */
function otherField(c: ProtoCursor, key: number, expected: ReadonlyMap<number, [string, number]>): void {
  const fieldNumber = Math.floor(key / 8);
  const wireType = key & 7;
  const known = expected.get(fieldNumber);
  if (known !== undefined) throw wrongWireType(known[0], wireType, known[1]);
  skipField(c, wireType, fieldNumber);
}

// JSON.stringify yields a valid, escaped JS string literal for any name; __proto__
// must be a computed key to become an own property (as in row-factory.ts).
function propertyKey(name: string): string {
  return name === '__proto__' ? `[${JSON.stringify(name)}]` : JSON.stringify(name);
}

const WIRE_TYPE_NAMES = ['varint', '64-bit', 'length-delimited', 'group start', 'group end', '32-bit'];

function wrongWireType(path: string, wire: number, expected: number): PayloadError {
  return new PayloadError(
    'malformed',
    `${path}: wire type ${WIRE_TYPE_NAMES[wire] ?? wire}, but the schema's type is encoded as ${WIRE_TYPE_NAMES[expected]}`,
  );
}
