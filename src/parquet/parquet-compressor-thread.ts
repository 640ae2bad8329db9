// Entry of the zstd thread an encoder thread (parquet-encoder-thread.ts) starts
// for itself: the plain pages parquet-wasm wrote for a row group are compressed
// here (ParquetPageRecompressor) while the encoder thread's WebAssembly encodes
// the next row group, so the two halves of encoding run on two cores instead of
// one after the other. Each stream is one file; its compressed bytes go back in
// order, and `done` acknowledges each piece so the encoder stays at most one row
// group ahead (memory).
import { parentPort } from 'node:worker_threads';
import { type CompressorReply, type CompressorRequest, ownedBytes } from './parquet-compressor-link.ts';
import { ParquetPageRecompressor } from './parquet-page-recompressor.ts';

const recompressors = new Map<number, ParquetPageRecompressor>();

function reply(message: CompressorReply): void {
  if (message.kind !== 'part') {
    parentPort?.postMessage(message);
    return;
  }
  const bytes = ownedBytes(message.bytes);
  parentPort?.postMessage({ ...message, bytes }, [bytes.buffer as ArrayBuffer]);
}

/**
 * Frees a piece's memory now: this thread makes little garbage, so its GC would
 * keep row groups of plain pages (tens of MB each) alive long after use.
 */
function release(bytes: Uint8Array): void {
  const buffer = bytes.buffer as ArrayBuffer & { transfer?: (length: number) => ArrayBuffer };
  if (buffer instanceof ArrayBuffer && buffer.byteLength > 0) buffer.transfer?.(0);
}

parentPort?.on('message', (request: CompressorRequest) => {
  const { stream } = request;
  try {
    switch (request.kind) {
      case 'open':
        recompressors.set(
          stream,
          new ParquetPageRecompressor(request.zstd, (bytes) => reply({ kind: 'part', stream, bytes })),
        );
        return;
      case 'pages': {
        // A stream that failed or was aborted drops its later pieces (the encoder knows).
        const recompressor = recompressors.get(stream);
        recompressor?.pages(request.bytes);
        if (recompressor?.holdsInput !== true) release(request.bytes);
        reply({ kind: 'done', stream });
        return;
      }
      case 'finish': {
        const recompressor = recompressors.get(stream);
        recompressors.delete(stream);
        recompressor?.finish(request.bytes);
        release(request.bytes);
        reply({ kind: 'finished', stream });
        return;
      }
      case 'abort':
        recompressors.delete(stream);
        return;
    }
  } catch (error) {
    recompressors.delete(stream);
    reply({ kind: 'failed', stream, error: error instanceof Error ? error.message : String(error) });
  }
});
