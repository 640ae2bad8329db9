// Entry of a Parquet encoder worker thread (parquet-encoder-pool.ts). Each open
// stream is one Parquet file fed with Arrow IPC chunks; the bytes of a chunk and
// of the finished file move between the threads, they are not copied.
import { parentPort } from 'node:worker_threads';
import { ParquetStreamWriter, type ParquetWriterOptions } from './parquet-wasm-writer.ts';

export type EncoderRequest =
  | { readonly kind: 'open'; readonly stream: number; readonly options: ParquetWriterOptions }
  | { readonly kind: 'write'; readonly stream: number; readonly ipc: Uint8Array }
  | { readonly kind: 'close'; readonly stream: number }
  | { readonly kind: 'abort'; readonly stream: number };

export type EncoderReply =
  /** The stream's writer took one more chunk (the sender may queue another). */
  | { readonly kind: 'taken'; readonly stream: number }
  /** The next bytes of the file (a row group; the footer comes with the last). */
  | { readonly kind: 'part'; readonly stream: number; readonly bytes: Uint8Array }
  /** Every part was sent. */
  | { readonly kind: 'closed'; readonly stream: number }
  | { readonly kind: 'failed'; readonly stream: number; readonly error: string };

const writers = new Map<number, ParquetStreamWriter>();

function reply(message: EncoderReply): void {
  if (message.kind !== 'part') {
    parentPort?.postMessage(message);
    return;
  }
  // Moved, not copied, unless the bytes are a view into a larger buffer.
  const { bytes } = message;
  const own = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();
  parentPort?.postMessage({ ...message, bytes: own }, [own.buffer as ArrayBuffer]);
}

function fail(stream: number, error: unknown): void {
  writers.get(stream)?.abort();
  writers.delete(stream);
  reply({ kind: 'failed', stream, error: error instanceof Error ? error.message : String(error) });
}

parentPort?.on('message', (request: EncoderRequest) => {
  const { stream } = request;
  try {
    switch (request.kind) {
      case 'open':
        writers.set(
          stream,
          new ParquetStreamWriter(
            request.options,
            () => reply({ kind: 'taken', stream }),
            (bytes) => reply({ kind: 'part', stream, bytes }),
          ),
        );
        return;
      case 'write':
        writers.get(stream)?.write(request.ipc);
        return;
      case 'close': {
        const writer = writers.get(stream);
        writers.delete(stream);
        writer?.close().then(
          () => reply({ kind: 'closed', stream }),
          (error: unknown) => reply({ kind: 'failed', stream, error: String(error) }),
        );
        return;
      }
      case 'abort':
        writers.get(stream)?.abort();
        writers.delete(stream);
        return;
    }
  } catch (error) {
    fail(stream, error);
  }
});
