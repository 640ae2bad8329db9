// Compaction of a v3 table keeps row lineage (spec: "Row Lineage"): every row
// moved to a new file keeps its _row_id and _last_updated_sequence_number
// (written as columns), also when it is moved twice; ids stay unique and below
// the table's next-row-id, which advances by the rows the new manifests cover.
// Deletion vectors (upsert row deltas) are applied by the rewrite and removed
// in the same replace snapshot.
// Lineage is read here as a reader does: the stored column, else the file's
// inherited first_row_id plus the row's position (else its data sequence number).
import { describe, expect, it } from 'vitest';
import { decodeManifest } from '../../../src/iceberg/manifest.ts';
import { ENTRY_STATUS, inheritManifestMetadata } from '../../../src/iceberg/manifest-entry.ts';
import { decodeManifestList } from '../../../src/iceberg/manifest-list.ts';
import { inheritFirstRowIds } from '../../../src/iceberg/row-lineage.ts';
import { branchHead, type TableMetadata } from '../../../src/iceberg/table-metadata.ts';
import { primitive } from '../../../src/iceberg/types.ts';
import type { FileIO } from '../../../src/io/file-io.ts';
import { compactTable } from '../../../src/maintenance/compaction-run.ts';
import { readParquetRows } from '../../../src/parquet/parquet-row-reader.ts';
import { SnapshotProducer } from '../../../src/sink/snapshot-producer.ts';
import { Rng } from '../../sim/rng.ts';
import { appendIds, RowDeltaModel, randomRowDelta, readLiveIds } from '../../support/row-delta-table.ts';
import { tempSqlTable } from '../../support/temp-sql-table.ts';

/** id -> [_row_id, _last_updated_sequence_number] of every row of the live files (deletes not applied). */
async function lineageById(io: FileIO, metadata: TableMetadata): Promise<Map<bigint, [bigint, bigint]>> {
  const out = new Map<bigint, [bigint, bigint]>();
  for (const line of await lineageRows(io, metadata)) {
    const [id, rowId, seq] = line.split(' ').map(BigInt) as [bigint, bigint, bigint];
    out.set(id, [rowId, seq]);
  }
  return out;
}

/** `id _row_id _last_updated_sequence_number` of every row of the live files, read as a reader does. */
async function lineageRows(io: FileIO, metadata: TableMetadata): Promise<string[]> {
  const projection = {
    schemaId: 0,
    identifierFieldIds: [],
    fields: [
      { id: 1, name: 'id', required: false, type: primitive('long') },
      { id: 2147483540, name: 'row_id', required: false, type: primitive('long') },
      { id: 2147483539, name: 'seq', required: false, type: primitive('long') },
    ],
  };
  const out: string[] = [];
  for (const manifest of decodeManifestList(await io.read(branchHead(metadata, 'main')!.manifestList))) {
    if (manifest.content !== 0) continue;
    const { entries } = decodeManifest(await io.read(manifest.manifestPath));
    for (const entry of inheritFirstRowIds(entries, manifest)) {
      if (entry.status === ENTRY_STATUS.DELETED) continue;
      const { dataFile, sequenceNumber } = inheritManifestMetadata(entry, manifest);
      const rows = readParquetRows(await io.read(dataFile.filePath), projection, dataFile.filePath);
      rows.forEach((row, pos) => {
        const rowId = (row.row_id as bigint | null) ?? dataFile.firstRowId! + BigInt(pos);
        const seq = (row.seq as bigint | null) ?? BigInt(sequenceNumber!);
        out.push(`${row.id as bigint} ${rowId} ${seq}`);
      });
    }
  }
  return out;
}

describe('compaction of v3 tables', () => {
  it('keeps every moved row’s _row_id and _last_updated_sequence_number, through two compactions', async () => {
    const { catalog, io, id } = await tempSqlTable({ 'format-version': '3' });
    const producer = new SnapshotProducer(catalog, io, { sleep: async () => {} });
    const model = new RowDeltaModel();
    const load = async () => (await catalog.loadTable(id)).metadata;
    for (let i = 0; i < 6; i++) await appendIds(producer, catalog, io, id, model, 7 + i);
    const before = await lineageById(io, await load());
    expect(before.size).toBe(57);
    const rowIds = [...before.values()].map(([r]) => r);
    expect(new Set(rowIds).size).toBe(57);

    const first = await compactTable(catalog, io, id, { quietMs: 0 });

    expect(first).toMatchObject({ filesRewritten: 6, filesAdded: 1 });
    const once = await load();
    expect(await lineageById(io, once)).toEqual(before);
    const head = branchHead(once, 'main')!;
    expect(head.summary.operation).toBe('replace');
    expect(head.firstRowId).toBeDefined();
    expect(once.nextRowId).toBe(head.firstRowId! + head.addedRows!);

    for (let i = 0; i < 5; i++) await appendIds(producer, catalog, io, id, model, 3);
    const grown = await lineageById(io, await load());
    expect(grown.size).toBe(72);
    const second = await compactTable(catalog, io, id, { quietMs: 0 });
    expect(second.filesRewritten).toBe(6); // the compacted file and the five new ones
    const twice = await load();
    const after = await lineageById(io, twice);
    expect(after).toEqual(grown);
    const ids = [...after.values()].map(([r]) => r);
    expect(new Set(ids).size).toBe(72);
    expect(ids.every((r) => r >= 0n && r < twice.nextRowId!)).toBe(true);
    await catalog.close();
  });

  it('applies deletion vectors and removes them; the surviving rows keep their lineage', async () => {
    const { catalog, io, id } = await tempSqlTable({ 'format-version': '3' });
    const producer = new SnapshotProducer(catalog, io, { sleep: async () => {} });
    const model = new RowDeltaModel();
    const load = async () => (await catalog.loadTable(id)).metadata;
    const rng = new Rng(7);
    for (let i = 0; i < 5; i++) await appendIds(producer, catalog, io, id, model, 12);
    for (let i = 0; i < 6; i++) {
      const delta = await randomRowDelta(rng, producer, catalog, io, id, model, {
        maxFiles: 2,
        maxRows: 4,
        reinsert: i % 2 === 0,
      });
      expect(delta?.result.kind).toBe('committed');
    }
    const metadata = await load();
    const vectors = (await liveDeleteCount(io, metadata)).vectors;
    expect(vectors).toBeGreaterThan(0);
    const live = await readLiveIds(io, metadata);
    expect(live).toEqual(model.liveIds());
    const lineage = await lineageRows(io, metadata);

    const result = await compactTable(catalog, io, id, { quietMs: 0, minInputFiles: 2 });
    expect(result.deleteFilesRemoved).toBe(vectors);
    const after = await load();
    expect(await readLiveIds(io, after)).toEqual(live);
    expect(await liveDeleteCount(io, after)).toEqual({ vectors: 0 });
    const head = branchHead(after, 'main')!;
    expect(head.summary).toMatchObject({ 'removed-dvs': String(vectors), 'total-delete-files': '0' });
    expect(head.summary['removed-position-delete-files']).toBeUndefined();
    // every surviving row keeps its _row_id and _last_updated_sequence_number: the rows after
    // (no deletes left) are among the rows before (deleted ones included), one per live id
    const kept = await lineageById(io, after);
    expect(kept.size).toBe(live.length);
    for (const [rowKey, [rowId, seq]] of kept)
      expect(lineage, String(rowKey)).toContain(`${rowKey} ${rowId} ${seq}`);
    await catalog.close();
  });
});

async function liveDeleteCount(io: FileIO, metadata: TableMetadata): Promise<{ vectors: number }> {
  let vectors = 0;
  for (const manifest of decodeManifestList(await io.read(branchHead(metadata, 'main')!.manifestList))) {
    if (manifest.content !== 1) continue;
    const { entries } = decodeManifest(await io.read(manifest.manifestPath));
    vectors += entries.filter((e) => e.status !== ENTRY_STATUS.DELETED).length;
  }
  return { vectors };
}
