// The JSON of a Puffin footer (Puffin spec: "FileMetadata", "BlobMetadata"):
// the only place its keys are spelled. Longs (snapshot-id, sequence-number,
// offset, length) are numbers: deletion vectors carry -1 for the first two
// (inherited from the manifest entry), and blob offsets stay far below 2^53.
import { ValidationError } from '../errors.ts';

export interface PuffinBlobMetadata {
  readonly type: string;
  /** Field ids the blob was computed for. */
  readonly fields: readonly number[];
  /** -1 when not known when the file is written (deletion vectors). */
  readonly snapshotId: number;
  readonly sequenceNumber: number;
  readonly offset: number;
  readonly length: number;
  /** Absent: uncompressed. */
  readonly compressionCodec?: string;
  readonly properties?: Readonly<Record<string, string>>;
}

export interface PuffinFileMetadata {
  readonly blobs: readonly PuffinBlobMetadata[];
  readonly properties?: Readonly<Record<string, string>>;
}

export function puffinFooterJson(metadata: PuffinFileMetadata): string {
  return JSON.stringify({
    blobs: metadata.blobs.map((b) => ({
      type: b.type,
      fields: b.fields,
      'snapshot-id': b.snapshotId,
      'sequence-number': b.sequenceNumber,
      offset: b.offset,
      length: b.length,
      ...(b.compressionCodec === undefined ? {} : { 'compression-codec': b.compressionCodec }),
      ...(b.properties === undefined ? {} : { properties: b.properties }),
    })),
    ...(metadata.properties === undefined ? {} : { properties: metadata.properties }),
  });
}

export function parsePuffinFooter(text: string, where: string): PuffinFileMetadata {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ValidationError(`${where}: Puffin footer is not JSON: ${(error as Error).message}`);
  }
  const root = object(json, `${where}: Puffin footer`);
  if (!Array.isArray(root.blobs)) throw new ValidationError(`${where}: Puffin footer has no 'blobs' list`);
  const blobs = root.blobs.map((raw, i): PuffinBlobMetadata => {
    const at = `${where}: Puffin footer blobs[${i}]`;
    const blob = object(raw, at);
    if (typeof blob.type !== 'string') throw new ValidationError(`${at}: 'type' must be a string`);
    if (!Array.isArray(blob.fields) || !blob.fields.every((f) => Number.isInteger(f))) {
      throw new ValidationError(`${at}: 'fields' must be a list of field ids`);
    }
    const codec = blob['compression-codec'];
    if (codec !== undefined && codec !== null && typeof codec !== 'string') {
      throw new ValidationError(`${at}: 'compression-codec' must be a string`);
    }
    return {
      type: blob.type,
      fields: blob.fields as number[],
      snapshotId: long(blob, 'snapshot-id', at),
      sequenceNumber: long(blob, 'sequence-number', at),
      offset: long(blob, 'offset', at),
      length: long(blob, 'length', at),
      ...(typeof codec === 'string' ? { compressionCodec: codec } : {}),
      ...(blob.properties === undefined ? {} : { properties: strings(blob.properties, `${at}.properties`) }),
    };
  });
  return {
    blobs,
    ...(root.properties === undefined
      ? {}
      : { properties: strings(root.properties, `${where}: Puffin footer properties`) }),
  };
}

function object(value: unknown, where: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ValidationError(`${where} must be a JSON object`);
  }
  return value as Record<string, unknown>;
}

function long(json: Record<string, unknown>, key: string, where: string): number {
  const value = json[key];
  if (!Number.isSafeInteger(value))
    throw new ValidationError(`${where}: '${key}' must be an integer, got ${String(value)}`);
  return value as number;
}

function strings(value: unknown, where: string): Record<string, string> {
  const json = object(value, where);
  for (const [key, v] of Object.entries(json)) {
    if (typeof v !== 'string') throw new ValidationError(`${where}: '${key}' must be a string`);
  }
  return json as Record<string, string>;
}
