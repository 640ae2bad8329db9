// A Protobuf writer schema from the registry -> floe's model of its messages
// (ProtoMessage). The only file that imports protobufjs: it parses .proto text
// (what Confluent's registry and Java serializers register) and reads base64
// FileDescriptorProtos (what Confluent's Python serializer registers and Apicurio
// returns as is). Referenced schemas arrive resolved (schema-registry-client.ts);
// google/protobuf/*.proto that no reference provides come from protobufjs's
// bundled copies (clients skip registering them).
//
// The Confluent wire format names the record's message by its index path in the
// schema's file (protobuf-wire-format.ts): top-level messages, then nested ones,
// in declaration order. For descriptors that order includes the synthetic
// `XxxEntry` types of map fields, exactly as protoc emits them.
import protobuf from 'protobufjs';
import descriptor from 'protobufjs/ext/descriptor/index.js';
import { PayloadError } from './payload-error.ts';
import type { RegisteredSchema } from './schema-lookup.ts';

export type ProtoScalar =
  | 'double'
  | 'float'
  | 'int32'
  | 'int64'
  | 'uint32'
  | 'uint64'
  | 'sint32'
  | 'sint64'
  | 'fixed32'
  | 'fixed64'
  | 'sfixed32'
  | 'sfixed64'
  | 'bool'
  | 'string'
  | 'bytes';

export type ProtoValueType =
  | { readonly kind: 'scalar'; readonly scalar: ProtoScalar }
  | {
      readonly kind: 'enum';
      readonly fullName: string;
      /** Number -> name (the first name of an alias). */
      readonly names: ReadonlyMap<number, string>;
      /** The value of an absent implicit-presence field (proto3: the name of 0). */
      readonly zero: string;
    }
  | { readonly kind: 'message'; readonly message: ProtoMessage };

export interface ProtoField {
  readonly kind: 'field';
  readonly name: string;
  /** The field's tag number. */
  readonly number: number;
  /** single, repeated, or a map (type = the value type, mapKey = the key type). */
  readonly label: 'single' | 'repeated' | 'map';
  readonly type: ProtoValueType;
  readonly mapKey?: ProtoScalar;
  /** Explicit presence (messages, proto2 optional, proto3 `optional`, oneof members): absent = null. */
  readonly presence: boolean;
}

export interface ProtoOneof {
  readonly kind: 'oneof';
  readonly name: string;
  readonly fields: readonly ProtoField[];
}

export interface ProtoMessage {
  /** Without the leading dot: `shop.Order.Line`. */
  readonly fullName: string;
  /** Fields and (real) oneofs in declaration order; a oneof sits where its first member is declared. */
  readonly members: readonly (ProtoField | ProtoOneof)[];
}

export interface ProtoSchema {
  /** The message a wire-format record names by its message indexes; throws PayloadError. */
  message(indexes: readonly number[]): ProtoMessage;
  /** The file's top-level messages, in order. */
  topLevelMessages(): ProtoMessage[];
}

const WELL_KNOWN_FILES = [
  'google/protobuf/any.proto',
  'google/protobuf/duration.proto',
  'google/protobuf/timestamp.proto',
  'google/protobuf/empty.proto',
  'google/protobuf/struct.proto',
  'google/protobuf/wrappers.proto',
  'google/protobuf/field_mask.proto',
];
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

interface SchemaFile {
  readonly name: string;
  readonly text: string;
}

/** Parses the registered schema and its references; throws PayloadError ('incompatible') when they do not parse or resolve. */
export function parseProtobufSchema(registered: RegisteredSchema): ProtoSchema {
  const references: SchemaFile[] = (registered.references ?? []).map((r) => ({
    name: r.name,
    text: r.schema,
  }));
  const main: SchemaFile = { name: '(the schema)', text: registered.schema };
  const files = [...references, main];
  const provided = new Set(references.map((r) => r.name));
  const wellKnown = WELL_KNOWN_FILES.filter((name) => !provided.has(name));
  const descriptors = files.filter((file) => BASE64.test(file.text.trim()));
  try {
    if (descriptors.length === files.length) return fromDescriptors(files, wellKnown);
    if (descriptors.length === 0) return fromText(files, wellKnown);
  } catch (error) {
    if (error instanceof PayloadError) throw error;
    throw new PayloadError(
      'incompatible',
      `the Protobuf schema cannot be read: ${(error as Error).message}`,
      {},
      { cause: error },
    );
  }
  throw new PayloadError(
    'incompatible',
    `the Protobuf schema and its references mix .proto text and descriptors (${descriptors.map((f) => f.name).join(', ')} are descriptors)`,
  );
}

function fromDescriptors(files: readonly SchemaFile[], wellKnown: readonly string[]): ProtoSchema {
  const decoded = files.map((file) =>
    descriptor.FileDescriptorProto.decode(Buffer.from(file.text.trim(), 'base64')),
  );
  const known = wellKnown.flatMap(
    (name) =>
      (protobuf.Root.fromJSON(protobuf.common.get(name)!) as unknown as Describable).toDescriptor('proto3')
        .file,
  );
  const root = (protobuf.Root as unknown as DescriptorRoot).fromDescriptor({ file: [...known, ...decoded] });
  const main = decoded.at(-1) as unknown as FileDescriptorLike;
  return new RootSchema(root, (indexes) => descriptorMessageName(main, indexes));
}

function fromText(files: readonly SchemaFile[], wellKnown: readonly string[]): ProtoSchema {
  const root = new protobuf.Root();
  for (const name of wellKnown) root.addJSON(protobuf.common.get(name)!.nested!);
  for (const file of files) protobuf.parse(file.text, root, { keepCase: true });
  root.resolveAll();
  // The main file alone, for the order of its own messages.
  const own = protobuf.parse(files.at(-1)!.text, { keepCase: true }).root;
  return new RootSchema(root, (indexes) => textMessageName(own, indexes));
}

interface Describable {
  toDescriptor(edition: string): { file: unknown[] };
}
interface DescriptorRoot {
  fromDescriptor(set: { file: unknown[] }): protobuf.Root;
}
interface MessageDescriptorLike {
  readonly name: string;
  readonly nestedType?: readonly MessageDescriptorLike[];
}
interface FileDescriptorLike {
  readonly package?: string;
  readonly messageType?: readonly MessageDescriptorLike[];
}

function descriptorMessageName(file: FileDescriptorLike, indexes: readonly number[]): string {
  let names = file.package ? [file.package] : [];
  let level = file.messageType ?? [];
  for (const index of indexes) {
    const message = level[index];
    if (message === undefined) throw noMessage(indexes);
    names = [...names, message.name];
    level = message.nestedType ?? [];
  }
  return names.join('.');
}

function textMessageName(own: protobuf.Root, indexes: readonly number[]): string {
  // The file's package namespaces hold its top-level messages.
  let namespace: protobuf.NamespaceBase = own;
  while (true) {
    const inner: protobuf.ReflectionObject[] = namespace.nestedArray;
    const only = inner[0];
    if (inner.length !== 1 || !(only instanceof protobuf.Namespace) || only instanceof protobuf.Type) break;
    namespace = only;
  }
  let current: protobuf.NamespaceBase = namespace;
  for (const index of indexes) {
    const message = current.nestedArray.filter((n) => n instanceof protobuf.Type)[index];
    if (message === undefined) throw noMessage(indexes);
    current = message as protobuf.Type;
  }
  return current.fullName.replace(/^\./, '');
}

function noMessage(indexes: readonly number[]): PayloadError {
  return new PayloadError(
    'malformed',
    `message indexes [${indexes.join(', ')}] name no message of the schema`,
  );
}

class RootSchema implements ProtoSchema {
  readonly #root: protobuf.Root;
  readonly #nameOf: (indexes: readonly number[]) => string;
  readonly #messages = new Map<protobuf.Type, ProtoMessage>();

  constructor(root: protobuf.Root, nameOf: (indexes: readonly number[]) => string) {
    this.#root = root;
    this.#nameOf = nameOf;
  }

  message(indexes: readonly number[]): ProtoMessage {
    const type = this.#root.lookupType(this.#nameOf(indexes));
    return this.#message(type);
  }

  topLevelMessages(): ProtoMessage[] {
    const messages: ProtoMessage[] = [];
    for (let index = 0; ; index++) {
      let name: string;
      try {
        name = this.#nameOf([index]);
      } catch {
        return messages; // past the last one
      }
      messages.push(this.#message(this.#root.lookupType(name)));
    }
  }

  #message(type: protobuf.Type): ProtoMessage {
    const known = this.#messages.get(type);
    if (known !== undefined) return known;
    const members: (ProtoField | ProtoOneof)[] = [];
    const message: ProtoMessage = { fullName: type.fullName.replace(/^\./, ''), members };
    this.#messages.set(type, message); // before the fields: recursive messages refer to it
    const oneofs = new Map<protobuf.OneOf, ProtoField[]>();
    for (const field of type.fieldsArray) {
      const converted = this.#field(field);
      const oneof = field.partOf;
      if (oneof === null || isSynthetic(oneof)) {
        members.push(converted);
        continue;
      }
      let branch = oneofs.get(oneof);
      if (branch === undefined) {
        branch = [];
        oneofs.set(oneof, branch);
        members.push({ kind: 'oneof', name: oneof.name, fields: branch });
      }
      branch.push(converted);
    }
    return message;
  }

  #field(field: protobuf.Field): ProtoField {
    const resolved = field.resolvedType;
    const entry =
      resolved instanceof protobuf.Type && resolved.options?.map_entry === true ? resolved : undefined;
    if (field.map || entry !== undefined) {
      const key = entry
        ? entry.fieldsArray.find((f) => f.id === 1)!.type
        : (field as unknown as protobuf.MapField).keyType;
      const value = entry ? entry.fieldsArray.find((f) => f.id === 2)! : field;
      return {
        kind: 'field',
        name: field.name,
        number: field.id,
        label: 'map',
        type: this.#valueType(value),
        mapKey: key as ProtoScalar,
        presence: false,
      };
    }
    const type = this.#valueType(field);
    return {
      kind: 'field',
      name: field.name,
      number: field.id,
      label: field.repeated ? 'repeated' : 'single',
      type,
      presence: !field.repeated && (type.kind === 'message' || field.partOf !== null || field.hasPresence),
    };
  }

  #valueType(field: protobuf.Field): ProtoValueType {
    const resolved = field.resolvedType;
    if (resolved instanceof protobuf.Type) return { kind: 'message', message: this.#message(resolved) };
    if (resolved instanceof protobuf.Enum) {
      const names = new Map<number, string>();
      for (const [name, number] of Object.entries(resolved.values))
        if (!names.has(number)) names.set(number, name);
      const first = Object.keys(resolved.values)[0] ?? '';
      return {
        kind: 'enum',
        fullName: resolved.fullName.replace(/^\./, ''),
        names,
        zero: names.get(0) ?? first,
      };
    }
    return { kind: 'scalar', scalar: field.type as ProtoScalar };
  }
}

/** proto3 `optional x` is a oneof `_x` of one field: an optional field, not a oneof column. */
function isSynthetic(oneof: protobuf.OneOf): boolean {
  const only = oneof.fieldsArray.length === 1 ? oneof.fieldsArray[0] : undefined;
  return only !== undefined && (only.options?.proto3_optional === true || oneof.name === `_${only.name}`);
}
