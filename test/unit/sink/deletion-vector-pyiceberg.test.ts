// floe's Puffin files read by an independent implementation: PyIceberg 0.12's
// Puffin reader and deletion-vector deserializer (pyroaring underneath), from
// the reader venv, on vectors Java's golden files cannot show: several 32-bit
// buckets, positions above 2^32, dense runs, and several vectors in one file.
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { DataFile } from '../../../src/iceberg/data-file.ts';
import type { TableMetadata } from '../../../src/iceberg/table-metadata.ts';
import { LocalFileIO } from '../../../src/io/local-file-io.ts';
import { readDeletionVector, writeDeletionVectors } from '../../../src/sink/deletion-vector-files.ts';
import { readerPython } from '../../support/reader-python.ts';

const run = promisify(execFile);
const TWO_32 = 2 ** 32;

const READ_WITH_PYICEBERG = `
import json, sys
from pyiceberg.table.puffin import PuffinFile
from pyiceberg.table.deletion_vector import deletion_vectors_from_puffin_file
puffin = PuffinFile(open(sys.argv[1], "rb").read())
out = {dv.referenced_data_file: dv.to_vector().to_pylist() for dv in deletion_vectors_from_puffin_file(puffin)}
print(json.dumps({"vectors": out, "blobs": [b.model_dump(by_alias=True) for b in puffin.footer.blobs]}))
`;

describe('floe deletion vectors read by PyIceberg', () => {
  it('reads the positions of every vector in a Puffin file, above 2^32 too', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'floe-dv-'));
    // Only the fields the writer needs: a v3 table's data folder.
    const metadata = {
      formatVersion: 3,
      location: `file://${dir}`,
      properties: {},
    } as unknown as TableMetadata;
    const dataFile = (name: string, recordCount: number): DataFile => ({
      content: 0,
      filePath: `file://${dir}/data/${name}.parquet`,
      fileFormat: 'PARQUET',
      specId: 0,
      partition: [],
      recordCount,
      fileSizeInBytes: 1,
    });
    const vectors = [
      {
        dataFile: dataFile('huge', 2 ** 40),
        positions: [0, 7, TWO_32 - 1, TWO_32, TWO_32 + 9, 5 * TWO_32 + 3, 2 ** 40 - 1],
      },
      {
        dataFile: dataFile('dense', 100_000),
        positions: Array.from({ length: 70_000 }, (_, i) => i + 1_000),
      },
      { dataFile: dataFile('one', 3), positions: [2] },
    ];
    const io = new LocalFileIO();
    const entries = await writeDeletionVectors(io, metadata, vectors);
    for (const [i, entry] of entries.entries())
      expect(await readDeletionVector(io, entry)).toEqual(vectors[i]!.positions);
    const path = entries[0]!.filePath.replace(/^file:\/\//, '');
    const { stdout } = await run(readerPython(), ['-c', READ_WITH_PYICEBERG, path], { maxBuffer: 64 << 20 });
    const read = JSON.parse(stdout) as {
      vectors: Record<string, number[]>;
      blobs: Array<{
        offset: number;
        length: number;
        'snapshot-id': number;
        properties: Record<string, string>;
      }>;
    };
    expect(read.vectors).toEqual(Object.fromEntries(vectors.map((v) => [v.dataFile.filePath, v.positions])));
    expect(read.blobs.map((b) => [b.offset, b.length, b['snapshot-id'], b.properties.cardinality])).toEqual(
      entries.map((e) => [e.contentOffset, e.contentSizeInBytes, -1, String(e.recordCount)]),
    );
  });
});
