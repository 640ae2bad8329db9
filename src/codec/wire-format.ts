// The Confluent wire format that schema-registry serializers put in front of every
// payload: one magic byte 0, the schema id as a 4-byte big-endian integer, then the
// Avro binary / JSON text / Protobuf payload.
import { PayloadError } from './payload-error.ts';

export const CONFLUENT_MAGIC_BYTE = 0;
/** Bytes before the payload: magic byte + schema id. */
export const CONFLUENT_HEADER_SIZE = 5;

/** The schema id of a wire-format record; throws a PayloadError ('malformed') when the header is absent. */
export function readSchemaId(bytes: Uint8Array): number {
  if (bytes.length < CONFLUENT_HEADER_SIZE) {
    throw new PayloadError(
      'malformed',
      `not the Confluent wire format (${bytes.length} bytes, the header alone takes ${CONFLUENT_HEADER_SIZE})`,
    );
  }
  const magic = bytes[0]!;
  if (magic !== CONFLUENT_MAGIC_BYTE) {
    throw new PayloadError(
      'malformed',
      `not the Confluent wire format (first byte ${hexByte(magic)}, expected ${hexByte(CONFLUENT_MAGIC_BYTE)})`,
    );
  }
  // Unsigned: ids are positive int32 in every registry, >>> 0 keeps a corrupt one visible as such.
  return ((bytes[1]! << 24) | (bytes[2]! << 16) | (bytes[3]! << 8) | bytes[4]!) >>> 0;
}

/** The 5-byte header for a schema id (tests and the dead-letter path re-encode with it). */
export function confluentHeader(schemaId: number): Uint8Array {
  const header = new Uint8Array(CONFLUENT_HEADER_SIZE);
  header[0] = CONFLUENT_MAGIC_BYTE;
  new DataView(header.buffer).setUint32(1, schemaId, false);
  return header;
}

function hexByte(value: number): string {
  return `0x${value.toString(16).padStart(2, '0')}`;
}
