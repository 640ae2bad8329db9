// Avro object container files (Avro 1.11 spec, "Object Container Files"): the
// file format of Iceberg manifests and manifest lists. Pure: bytes in, bytes out;
// the sync marker is passed in because this layer has no randomness.
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import avsc from 'avsc';
import { ValidationError } from '../errors.ts';

/** An Avro schema as JSON (what goes into the `avro.schema` header entry). */
export type AvroSchemaJson = string | readonly AvroSchemaJson[] | { readonly [key: string]: unknown };

export type AvroCodec = 'null' | 'deflate';

export interface AvroContainerInput {
  readonly schema: AvroSchemaJson;
  readonly records: readonly unknown[];
  /** Extra header entries (e.g. Iceberg's 'format-version'); 'avro.*' keys are reserved. */
  readonly metadata?: Readonly<Record<string, string>>;
  readonly codec?: AvroCodec;
  /** 16 bytes that end the header and every block. */
  readonly syncMarker: Uint8Array;
  readonly recordsPerBlock?: number;
}

export interface AvroContainer {
  /** The writer schema from the header. */
  readonly schema: AvroSchemaJson;
  readonly codec: AvroCodec;
  /** All header entries as UTF-8 text, 'avro.schema' and 'avro.codec' included. */
  readonly metadata: Readonly<Record<string, string>>;
  readonly records: unknown[];
}

const MAGIC = Uint8Array.of(0x4f, 0x62, 0x6a, 0x01); // 'Obj' 1
const SYNC_SIZE = 16;
const DEFAULT_RECORDS_PER_BLOCK = 1000;

// Avro longs are 64-bit; JS numbers are exact only to 2^53. Every Avro long is
// read as a bigint (snapshot ids use the full range); numbers are accepted on write.
const bigintLong = avsc.types.LongType.__with({
  fromBuffer: (buf: Buffer): bigint => buf.readBigInt64LE(0),
  toBuffer: (value: bigint | number): Buffer => {
    const buf = Buffer.alloc(8);
    buf.writeBigInt64LE(BigInt(value));
    return buf;
  },
  fromJSON: (json: unknown): bigint => BigInt(json as string | number | bigint),
  toJSON: (value: bigint): number | string =>
    Number.isSafeInteger(Number(value)) ? Number(value) : value.toString(),
  isValid: (value: unknown): boolean =>
    (typeof value === 'bigint' && BigInt.asIntN(64, value) === value) ||
    (typeof value === 'number' && Number.isSafeInteger(value)),
  compare: (a: bigint, b: bigint): number => (a < b ? -1 : a > b ? 1 : 0),
});

/** An avsc type for the schema with every `long` mapped to bigint. */
export function avroType(schema: AvroSchemaJson): avsc.Type {
  return avsc.Type.forSchema(schema as avsc.Schema, {
    typeHook: (s) => {
      const isLong = s === 'long' || (typeof s === 'object' && (s as { type?: unknown }).type === 'long');
      return isLong ? bigintLong : undefined;
    },
  });
}

const headerType = avsc.Type.forSchema({
  type: 'record',
  name: 'org.apache.avro.file.Header',
  fields: [
    { name: 'magic', type: { type: 'fixed', name: 'Magic', size: 4 } },
    { name: 'meta', type: { type: 'map', values: 'bytes' } },
    { name: 'sync', type: { type: 'fixed', name: 'Sync', size: SYNC_SIZE } },
  ],
});
const plainLong = avsc.Type.forSchema('long');

/** Encodes records into an Avro object container file. */
export function writeAvroContainer(input: AvroContainerInput): Uint8Array {
  const codec = input.codec ?? 'null';
  if (input.syncMarker.length !== SYNC_SIZE) {
    throw new ValidationError(`Avro sync marker must be ${SYNC_SIZE} bytes, got ${input.syncMarker.length}`);
  }
  const meta: Record<string, Buffer> = {};
  for (const [key, value] of Object.entries(input.metadata ?? {})) {
    if (key.startsWith('avro.')) {
      throw new ValidationError(`Avro header key '${key}' is reserved and set by the writer`);
    }
    meta[key] = Buffer.from(value, 'utf8');
  }
  meta['avro.schema'] = Buffer.from(JSON.stringify(input.schema), 'utf8');
  meta['avro.codec'] = Buffer.from(codec, 'utf8');

  const sync = Buffer.from(input.syncMarker);
  const parts: Buffer[] = [headerType.toBuffer({ magic: Buffer.from(MAGIC), meta, sync })];
  const type = avroType(input.schema);
  const perBlock = input.recordsPerBlock ?? DEFAULT_RECORDS_PER_BLOCK;
  for (let start = 0; start < input.records.length; start += perBlock) {
    const block = input.records.slice(start, start + perBlock);
    const raw = Buffer.concat(block.map((record, i) => encodeRecord(type, record, start + i)));
    const data = codec === 'deflate' ? deflateRawSync(raw) : raw;
    parts.push(plainLong.toBuffer(block.length), plainLong.toBuffer(data.length), data, sync);
  }
  return new Uint8Array(Buffer.concat(parts));
}

function encodeRecord(type: avsc.Type, record: unknown, index: number): Buffer {
  try {
    return type.toBuffer(record);
  } catch (cause) {
    const problems: string[] = [];
    type.isValid(record, { errorHook: (path) => problems.push(path.join('.') || '(root)') });
    throw new ValidationError(
      `Avro record ${index} does not match schema ${type.name ?? type.typeName} at ${problems.join(', ') || '?'}`,
      { index },
      { cause },
    );
  }
}

/** Decodes an Avro object container file with its own (writer) schema. */
export function readAvroContainer(bytes: Uint8Array): AvroContainer {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < MAGIC.length || !buf.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw new ValidationError('Not an Avro object container file: bad magic bytes');
  }
  const header = headerType.decode(buf, 0);
  if (header.offset < 0) throw new ValidationError('Avro container header is truncated');
  const { meta, sync } = header.value as { meta: Record<string, Buffer>; sync: Buffer };
  const metadata: Record<string, string> = {};
  for (const [key, value] of Object.entries(meta)) metadata[key] = value.toString('utf8');

  const schemaText = metadata['avro.schema'];
  if (schemaText === undefined) throw new ValidationError("Avro container header has no 'avro.schema'");
  const codec = metadata['avro.codec'] ?? 'null';
  if (codec !== 'null' && codec !== 'deflate') {
    throw new ValidationError(`Avro codec '${codec}' is not supported (only null and deflate)`);
  }
  const schema = JSON.parse(schemaText) as AvroSchemaJson;
  const type = avroType(schema);

  const records: unknown[] = [];
  let pos = header.offset;
  while (pos < buf.length) {
    const count = plainLong.decode(buf, pos);
    const size = count.offset < 0 ? count : plainLong.decode(buf, count.offset);
    if (size.offset < 0) throw new ValidationError(`Avro block header at byte ${pos} is truncated`);
    const dataEnd = size.offset + (size.value as number);
    if (dataEnd + SYNC_SIZE > buf.length) {
      throw new ValidationError(`Avro block at byte ${pos} runs past the end of the file`);
    }
    if (!buf.subarray(dataEnd, dataEnd + SYNC_SIZE).equals(sync)) {
      throw new ValidationError(`Avro block at byte ${pos} does not end with the file's sync marker`);
    }
    const stored = buf.subarray(size.offset, dataEnd);
    const data = codec === 'deflate' ? inflateRawSync(stored) : stored;
    let at = 0;
    for (let i = 0; i < (count.value as number); i++) {
      const decoded = type.decode(data, at);
      if (decoded.offset < 0)
        throw new ValidationError(`Avro record ${i} of block at byte ${pos} is truncated`);
      records.push(decoded.value);
      at = decoded.offset;
    }
    pos = dataEnd + SYNC_SIZE;
  }
  return { schema, codec, metadata, records };
}
