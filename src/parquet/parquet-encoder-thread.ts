// Entry of a Parquet encoder worker thread (parquet-encoder-pool.ts). Each open
// stream is one Parquet file fed with Arrow IPC chunks; the bytes of a chunk and
// of the finished file move between the threads, they are not copied.
import { parentPort } from 'node:worker_threads';
import { CompressorLink, ownedBytes } from './parquet-compressor-link.ts';
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
/**
 * With FLOE_PARQUET_ZSTD_THREAD=1, zstd pages are compressed on a thread of their
 * own while the next row group is encoded. Off by default: it adds 27-80 MB of
 * peak RSS; on a quiet 2-core machine it saved 4-8% of CPU and wall time on wide
 * rows, on a loaded one it cost 6-16% more CPU (docs/benchmarks.md, "zstd on its
 * own thread").
 */
const compressor = process.env.FLOE_PARQUET_ZSTD_THREAD === '1' ? new CompressorLink() : undefined;

function reply(message: EncoderReply): void {
  if (message.kind !== 'part') {
    parentPort?.postMessage(message);
    return;
  }
  // Moved, not copied, unless the bytes are a view into a larger buffer.
  const own = ownedBytes(message.bytes);
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
            compressor?.factory,
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
