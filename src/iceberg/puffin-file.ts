// Puffin files (Puffin spec v1): blobs followed by a footer that describes
// them, pure. Layout:
//
//   file   = magic | blob 1 | ... | blob n | footer
//   footer = magic | payload (UTF-8 JSON FileMetadata) | payload size (4 bytes LE) | flags (4 bytes) | magic
//   magic  = 50 46 41 31 ("PFA1")
//
// floe writes uncompressed blobs and an uncompressed footer (flags 0), as Java
// does by default; a compressed footer (flag bit 0) is refused on read with
// the file named. The footer JSON lives in puffin-footer-json.ts.
import { ValidationError } from '../errors.ts';
import {
  type PuffinBlobMetadata,
  type PuffinFileMetadata,
  parsePuffinFooter,
  puffinFooterJson,
} from './puffin-footer-json.ts';

const MAGIC = [0x50, 0x46, 0x41, 0x31] as const;
/** The footer's fixed part after the payload: size, flags, magic. */
const FOOTER_TAIL = 12;
const FOOTER_COMPRESSED = 0x01;

/** A blob to write: its bytes and what the footer says about it (offset and length are filled in). */
export interface PuffinBlob extends Omit<PuffinBlobMetadata, 'offset' | 'length'> {
  readonly data: Uint8Array;
}

export interface EncodedPuffin {
  readonly bytes: Uint8Array;
  /** The footer's blob metadata, in the order given: where each blob landed. */
  readonly blobs: readonly PuffinBlobMetadata[];
}

/** A Puffin file holding `blobs` in order, with file properties such as created-by. */
export function encodePuffin(
  blobs: readonly PuffinBlob[],
  properties: Readonly<Record<string, string>> = {},
): EncodedPuffin {
  const placed: PuffinBlobMetadata[] = [];
  let offset = MAGIC.length;
  for (const { data, ...metadata } of blobs) {
    if (metadata.compressionCodec !== undefined) {
      throw new ValidationError(`puffin blob ${metadata.type}: floe writes uncompressed blobs only`);
    }
    placed.push({ ...metadata, offset, length: data.length });
    offset += data.length;
  }
  const payload = new TextEncoder().encode(puffinFooterJson({ blobs: placed, properties }));
  const bytes = new Uint8Array(offset + MAGIC.length + payload.length + FOOTER_TAIL);
  bytes.set(MAGIC, 0);
  let at = MAGIC.length;
  for (const { data } of blobs) {
    bytes.set(data, at);
    at += data.length;
  }
  bytes.set(MAGIC, at);
  bytes.set(payload, at + MAGIC.length);
  const tail = at + MAGIC.length + payload.length;
  const view = new DataView(bytes.buffer);
  view.setInt32(tail, payload.length, true);
  view.setInt32(tail + 4, 0, true);
  bytes.set(MAGIC, tail + 8);
  return { bytes, blobs: placed };
}

/** The footer of a whole Puffin file; `where` names the file in errors. */
export function decodePuffinFooter(bytes: Uint8Array, where: string): PuffinFileMetadata {
  const minimum = 2 * MAGIC.length + MAGIC.length + FOOTER_TAIL;
  if (bytes.length < minimum)
    throw new ValidationError(`${where}: not a Puffin file (${bytes.length} bytes)`);
  if (!magicAt(bytes, 0) || !magicAt(bytes, bytes.length - MAGIC.length)) {
    throw new ValidationError(`${where}: not a Puffin file (no PFA1 magic at its start and end)`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const size = view.getInt32(bytes.length - FOOTER_TAIL, true);
  const flags = bytes[bytes.length - 8]!;
  const payloadStart = bytes.length - FOOTER_TAIL - size;
  if (
    size < 0 ||
    payloadStart - MAGIC.length < MAGIC.length ||
    !magicAt(bytes, payloadStart - MAGIC.length)
  ) {
    throw new ValidationError(`${where}: Puffin footer size ${size} does not fit the file`);
  }
  if ((flags & FOOTER_COMPRESSED) !== 0) {
    throw new ValidationError(`${where}: compressed Puffin footers (LZ4) are not supported`);
  }
  const text = new TextDecoder('utf-8', { fatal: true }).decode(
    bytes.subarray(payloadStart, bytes.length - FOOTER_TAIL),
  );
  const metadata = parsePuffinFooter(text, where);
  for (const blob of metadata.blobs) {
    if (blob.offset < MAGIC.length || blob.offset + blob.length > payloadStart - MAGIC.length) {
      throw new ValidationError(
        `${where}: blob ${blob.type} at ${blob.offset} (+${blob.length}) lies outside the blob area`,
      );
    }
  }
  return metadata;
}

/** The stored bytes of a blob (as the footer, or a manifest's content_offset/size, places it). */
export function puffinBlobBytes(
  bytes: Uint8Array,
  offset: number,
  length: number,
  where: string,
): Uint8Array {
  if (offset < MAGIC.length || length < 0 || offset + length > bytes.length - FOOTER_TAIL) {
    throw new ValidationError(
      `${where}: blob at ${offset} (+${length}) lies outside the file (${bytes.length} bytes)`,
    );
  }
  return bytes.subarray(offset, offset + length);
}

function magicAt(bytes: Uint8Array, at: number): boolean {
  return MAGIC.every((b, i) => bytes[at + i] === b);
}
