// Entry of a Parquet encoder worker thread (parquet-encoder-pool.ts): receives
// Arrow IPC streams, answers with Parquet bytes, both moved, not copied.
import { parentPort } from 'node:worker_threads';
import { type ParquetWriterOptions, writeArrowIpcToParquet } from './parquet-wasm-writer.ts';

export interface EncodeRequest {
  readonly id: number;
  readonly ipc: Uint8Array;
  readonly options: ParquetWriterOptions;
}

export type EncodeReply =
  | { readonly id: number; readonly bytes: Uint8Array }
  | { readonly id: number; readonly error: string };

parentPort?.on('message', (request: EncodeRequest) => {
  let reply: EncodeReply;
  try {
    const bytes = writeArrowIpcToParquet(request.ipc, request.options);
    reply = { id: request.id, bytes };
  } catch (error) {
    reply = { id: request.id, error: error instanceof Error ? error.message : String(error) };
  }
  parentPort?.postMessage(reply, 'bytes' in reply ? [reply.bytes.buffer as ArrayBuffer] : []);
});
