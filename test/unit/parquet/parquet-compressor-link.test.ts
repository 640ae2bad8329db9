// zstd on the encoder's own compressor thread: the file must be byte for byte
// the one the in-place recompressor writes from the same chunks, whatever the
// pacing; a piece the thread cannot rewrite fails the file with the reason; an
// aborted file leaves the thread ready for the next.
import { tableToIPC } from 'apache-arrow';
import { afterAll, describe, expect, it } from 'vitest';
import type { Row } from '../../../src/iceberg/types.ts';
import { CompressorLink } from '../../../src/parquet/parquet-compressor-link.ts';
import {
  type PageRewriterFactory,
  ParquetStreamWriter,
  type ParquetWriterOptions,
} from '../../../src/parquet/parquet-wasm-writer.ts';
import { RecordBatchBuilder } from '../../../src/parquet/record-batch-builder.ts';
import { ALL_TYPES_ROWS, ALL_TYPES_SCHEMA, normalizeRow } from './all-types-fixture.ts';
import { readParquetWithPyArrow } from './pyarrow-reader.ts';

const rows: Row[] = Array.from({ length: 4000 }, (_, i) => ({
  ...ALL_TYPES_ROWS[i % ALL_TYPES_ROWS.length]!,
  id: BigInt(i),
}));
// Many row groups (each one piece for the compressor) of several pages each.
const options: ParquetWriterOptions = {
  compression: 'zstd',
  compressionLevel: 4,
  maxRowGroupRows: 300,
  dataPageSizeBytes: 2048,
};

/** Arrow IPC chunks of `size` rows. */
function chunks(size: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let start = 0; start < rows.length; start += size) {
    const builder = new RecordBatchBuilder(ALL_TYPES_SCHEMA);
    for (const row of rows.slice(start, start + size)) builder.append(row);
    out.push(tableToIPC(builder.finish(), 'stream'));
  }
  return out;
}

async function write(
  ipcs: readonly Uint8Array[],
  rewriter?: PageRewriterFactory,
): Promise<{ bytes: Uint8Array; parts: number }> {
  const parts: Uint8Array[] = [];
  const writer = new ParquetStreamWriter(
    options,
    () => undefined,
    (b) => parts.push(b),
    rewriter,
  );
  for (const ipc of ipcs) writer.write(ipc.slice());
  await writer.close();
  return { bytes: new Uint8Array(Buffer.concat(parts)), parts: parts.length };
}

describe('CompressorLink (zstd on a thread of its own)', () => {
  const link = new CompressorLink();
  afterAll(() => link.close());

  for (const size of [250, 1000, 4000]) {
    it(`writes the same bytes as the in-place recompressor (${size}-row chunks)`, async () => {
      const ipcs = chunks(size);
      const inPlace = await write(ipcs);
      const threaded = await write(ipcs, link.factory);
      // Row groups go to the thread as arrow-rs flushes them after a chunk; one chunk is all tail.
      if (ipcs.length > 1) expect(threaded.parts).toBeGreaterThan(1);
      expect(Buffer.from(threaded.bytes).equals(Buffer.from(inPlace.bytes))).toBe(true);
      expect(readParquetWithPyArrow(threaded.bytes).rows).toEqual(
        rows.map((row) => normalizeRow(ALL_TYPES_SCHEMA, row)),
      );
    });
  }

  it('fails the file with the reason when a piece cannot be rewritten', async () => {
    const rewriter = link.factory({ level: 4 }, () => undefined);
    await rewriter.pages(new TextEncoder().encode('not a parquet file'));
    await expect(Promise.resolve().then(() => rewriter.finish(new Uint8Array(8)))).rejects.toThrow(
      /does not start with PAR1/,
    );
  });

  it('an aborted file leaves the thread to the next one', async () => {
    const ipcs = chunks(1000);
    const dropped = new ParquetStreamWriter(
      options,
      () => undefined,
      () => undefined,
      link.factory,
    );
    dropped.write(ipcs[0]!.slice());
    dropped.abort();
    // arrow-rs reports the aborted input stream as it can ('Dyn casting error'); the pool names it.
    await expect(dropped.close()).rejects.toThrow(/parquet-wasm failed/);
    const next = await write(ipcs, link.factory);
    expect(Buffer.from(next.bytes).equals(Buffer.from((await write(ipcs)).bytes))).toBe(true);
  });
});
