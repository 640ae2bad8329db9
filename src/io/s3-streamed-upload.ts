// A file written to S3 piece by piece (FileIO.create): the pieces gather into
// parts of `partSize` bytes that go up as a multipart upload while the next ones
// are produced; close() uploads the rest and completes it, so the object appears
// whole or not at all. A file that never fills one part is one PUT on close.
// Knows S3 only through the calls s3-file-io.ts (the SDK's one importer) hands it.
import type { FileOutput } from './file-io.ts';

/** The S3 calls of one object, with their retries (s3-file-io.ts). */
export interface MultipartCalls {
  /** One PUT of the whole object. */
  put(data: Uint8Array): Promise<void>;
  /** Starts the multipart upload; returns its id. */
  begin(): Promise<string>;
  /** Uploads part `number` (1-based); returns its ETag. */
  part(uploadId: string, number: number, body: Uint8Array): Promise<string>;
  complete(uploadId: string, etags: readonly string[]): Promise<void>;
  abort(uploadId: string): Promise<void>;
}

export class S3StreamedUpload implements FileOutput {
  readonly #calls: MultipartCalls;
  readonly #partSize: number;
  #pending: Uint8Array[] = [];
  #pendingBytes = 0;
  #uploadId: Promise<string> | undefined;
  readonly #etags: Array<Promise<string>> = [];
  /** Parts in flight, at most one besides the one being filled. */
  #inFlight: Promise<unknown> = Promise.resolve();

  constructor(calls: MultipartCalls, partSize: number) {
    this.#calls = calls;
    this.#partSize = partSize;
  }

  async write(piece: Uint8Array): Promise<void> {
    this.#pending.push(piece);
    this.#pendingBytes += piece.length;
    while (this.#pendingBytes >= this.#partSize) await this.#sendPart(this.#take(this.#partSize));
  }

  async close(): Promise<void> {
    if (this.#uploadId === undefined) {
      await this.#calls.put(this.#take(this.#pendingBytes));
      return;
    }
    try {
      if (this.#pendingBytes > 0) await this.#sendPart(this.#take(this.#pendingBytes));
      const etags = await Promise.all(this.#etags);
      await this.#calls.complete(await this.#uploadId, etags);
    } catch (error) {
      await this.abort();
      throw error;
    }
  }

  async abort(): Promise<void> {
    this.#pending = [];
    this.#pendingBytes = 0;
    const uploadId = this.#uploadId;
    this.#uploadId = undefined;
    if (uploadId === undefined) return;
    await this.#inFlight.catch(() => undefined);
    const id = await uploadId.catch(() => undefined);
    if (id !== undefined) await this.#calls.abort(id);
  }

  /** Starts uploading a part once the previous one is through: one part in memory besides the one filling. */
  async #sendPart(body: Uint8Array): Promise<void> {
    this.#uploadId ??= this.#calls.begin();
    const uploadId = this.#uploadId;
    const number = this.#etags.length + 1;
    await this.#inFlight.catch(() => undefined); // a failed part fails close()
    const etag = uploadId.then((id) => this.#calls.part(id, number, body));
    this.#etags.push(etag);
    this.#inFlight = etag;
    etag.catch(() => undefined); // surfaced by close()
  }

  /** The first `bytes` pending bytes as one buffer. */
  #take(bytes: number): Uint8Array {
    const out = new Uint8Array(bytes);
    let at = 0;
    while (at < bytes) {
      const head = this.#pending[0]!;
      const n = Math.min(head.length, bytes - at);
      out.set(head.subarray(0, n), at);
      at += n;
      if (n === head.length) this.#pending.shift();
      else this.#pending[0] = head.subarray(n);
    }
    this.#pendingBytes -= bytes;
    return out;
  }
}
