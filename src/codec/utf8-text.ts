// UTF-8 bytes -> string for the binary readers (avro-binary-reader.ts,
// protobuf-binary-reader.ts). Short ASCII strings (most names, codes, keys) are
// built in JS, which beats the call into the UTF-8 decoder.

const MAX_ASCII_FAST_PATH = 24;

/** The text of bytes[start, start + length), which the caller has checked are there. */
export function utf8Text(bytes: Buffer, start: number, length: number): string {
  const end = start + length;
  if (length <= MAX_ASCII_FAST_PATH) {
    let text = '';
    for (let i = start; i < end; i++) {
      const code = bytes[i]!;
      if (code > 0x7f) return bytes.toString('utf8', start, end);
      text += String.fromCharCode(code);
    }
    return text;
  }
  return bytes.toString('utf8', start, end);
}
