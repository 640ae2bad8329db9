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
  | { readonly kind: 'closed'; readonly stream: number; readonly bytes: Uint8Array }
  | { readonly kind: 'failed'; readonly stream: number; readonly error: string };

const writers = new Map<number, ParquetStreamWriter>();

function reply(message: EncoderReply): void {
  parentPort?.postMessage(message, message.kind === 'closed' ? [message.bytes.buffer as ArrayBuffer] : []);
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
        writers.set(stream, new ParquetStreamWriter(request.options, () => reply({ kind: 'taken', stream })));
        return;
      case 'write':
        writers.get(stream)?.write(request.ipc);
        return;
      case 'close': {
        const writer = writers.get(stream);
        writers.delete(stream);
        writer?.close().then(
          (bytes) => reply({ kind: 'closed', stream, bytes }),
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
