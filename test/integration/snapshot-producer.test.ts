// The snapshot producer's commit protocol on a real catalog (SQLite + local
// disk) with injected faults: a concurrent writer (conflict -> rebase), an
// answer lost after the commit (reconciled by commit id, not committed twice),
// a request lost before the commit (retried once), skip/abort decisions, and a
// schema change carried in the same commit. PyIceberg counts the rows.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Catalog, TableIdentifier } from '../../src/catalog/catalog.ts';
import { openSqlCatalog } from '../../src/catalog/sql/open-sql-catalog.ts';
import { currentSchema, defaultSpec } from '../../src/iceberg/table-metadata.ts';
import { primitive, type Row, type Schema } from '../../src/iceberg/types.ts';
import type { FileIO } from '../../src/io/file-io.ts';
import { type CommitDecision, SnapshotProducer } from '../../src/sink/snapshot-producer.ts';
import { dataDirectory } from '../../src/sink/table-paths.ts';
import { TableWriter } from '../../src/sink/table-writer.ts';
import { FaultyCatalog } from '../support/faulty-catalog.ts';
import { appendRows } from '../support/floe-append.ts';
import { testFileIO } from '../support/io.ts';
import { type ReaderCatalog, readWithPyIceberg } from '../support/reader.ts';

const schema: Schema = {
  schemaId: 0,
  identifierFieldIds: [],
  fields: [
    { id: 1, name: 'id', required: true, type: primitive('long') },
    { id: 2, name: 'name', required: false, type: primitive('string') },
  ],
};
const rows = (from: number, n: number): Row[] =>
  Array.from({ length: n }, (_, k) => ({ id: BigInt(from + k), name: `r${from + k}` }));

async function writeFiles(
  catalog: Catalog,
  io: FileIO,
  id: TableIdentifier,
  data: Row[],
  writeSchema?: Schema,
) {
  const { metadata } = await catalog.loadTable(id);
  const writer = new TableWriter({
    io,
    schema: writeSchema ?? currentSchema(metadata),
    spec: defaultSpec(metadata),
    properties: metadata.properties,
    dataDirectory: dataDirectory(metadata),
  });
  for (const row of data) writer.append(row);
  return writer.finish();
}

describe('SnapshotProducer commit protocol (SQLite catalog, local disk)', () => {
  let inner: Catalog;
  let catalog: FaultyCatalog;
  let io: FileIO;
  let reader: ReaderCatalog;
  const id: TableIdentifier = { namespace: ['eo'], name: 't' };
  const fast = { conflictRetry: { maxAttempts: 6, baseDelayMs: 1, maxDelayMs: 5 } };

  beforeEach(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'floe-producer-'));
    io = testFileIO();
    const name = 'floe_producer';
    inner = openSqlCatalog({ name, uri: `${dir}/catalog.db`, warehouse: `file://${dir}/wh`, io });
    catalog = new FaultyCatalog(inner);
    reader = { kind: 'sql', uri: `sqlite:///${dir}/catalog.db`, warehouse: `file://${dir}/wh`, name };
    await inner.createNamespace(['eo']);
    await inner.createTable(id, { schema });
  });

  it('rebases on a concurrent commit and lands on top of it', async () => {
    const files = await writeFiles(catalog, io, id, rows(0, 10));
    let other: bigint | undefined;
    catalog.faults.push({
      before: async () => {
        const result = await appendRows(inner, io, id, rows(100, 5));
        if (result.kind === 'committed') other = result.snapshotId;
      },
    });
    let decisions = 0;
    const result = await new SnapshotProducer(catalog, io, fast).append(id, {
      dataFiles: files,
      decide: () => {
        decisions++;
        return { kind: 'commit' };
      },
    });
    expect(result.kind).toBe('committed');
    expect(result.attempts).toBe(2);
    expect(decisions).toBe(2); // re-decided on the fresh table
    const read = await readWithPyIceberg(reader, 'table', { table: 'eo.t' });
    expect(read.rows.length).toBe(15);
    expect(read.snapshots.map((s) => s.parent_id)).toEqual([null, String(other)]);
  });

  it('reconciles an answer lost after the commit without committing twice', async () => {
    catalog.faults.push('lost-after-commit');
    const files = await writeFiles(catalog, io, id, rows(0, 7));
    const result = await new SnapshotProducer(catalog, io, fast).append(id, {
      dataFiles: files,
      decide: () => ({ kind: 'commit' }),
    });
    expect(result).toMatchObject({ kind: 'committed', attempts: 2 });
    expect(catalog.forwarded).toBe(1);
    const read = await readWithPyIceberg(reader, 'table', { table: 'eo.t' });
    expect(read.snapshots.length).toBe(1);
    expect(read.rows.length).toBe(7);
  });

  it('retries a request lost before the commit exactly once more', async () => {
    catalog.faults.push('lost-before-commit');
    const files = await writeFiles(catalog, io, id, rows(0, 3));
    const result = await new SnapshotProducer(catalog, io, fast).append(id, {
      dataFiles: files,
      decide: () => ({ kind: 'commit' }),
    });
    expect(result).toMatchObject({ kind: 'committed', attempts: 2 });
    expect(catalog.forwarded).toBe(1);
    const read = await readWithPyIceberg(reader, 'table', { table: 'eo.t' });
    expect(read.snapshots.length).toBe(1);
    expect(read.rows.length).toBe(3);
  });

  it('commits nothing when the decision is skip or abort', async () => {
    const files = await writeFiles(catalog, io, id, rows(0, 3));
    const producer = new SnapshotProducer(catalog, io, fast);
    for (const decision of [
      { kind: 'skip', reason: 'already committed' },
      { kind: 'abort', reason: 'fenced' },
    ] satisfies CommitDecision[]) {
      const result = await producer.append(id, { dataFiles: files, decide: () => decision });
      expect(result.kind).toBe(decision.kind === 'skip' ? 'skipped' : 'aborted');
    }
    expect(catalog.commits).toBe(0);
    expect((await inner.loadTable(id)).metadata.snapshots.length).toBe(0);
  });

  it('adds the data files schema in the same commit', async () => {
    await appendRows(inner, io, id, rows(0, 2));
    const evolved: Schema = {
      ...schema,
      schemaId: 1,
      fields: [...schema.fields, { id: 3, name: 'note', required: false, type: primitive('string') }],
    };
    const files = await writeFiles(catalog, io, id, [{ id: 9n, name: 'r9', note: 'hello' }], evolved);
    const result = await new SnapshotProducer(catalog, io, fast).append(id, {
      dataFiles: files,
      decide: () => ({ kind: 'commit', schema: evolved }),
    });
    expect(result.kind).toBe('committed');
    const metadata = (await inner.loadTable(id)).metadata;
    expect(currentSchema(metadata).fields.map((f) => f.name)).toEqual(['id', 'name', 'note']);
    const read = await readWithPyIceberg(reader, 'table', { table: 'eo.t' });
    const byId = Object.fromEntries(read.rows.map((r) => [r.id as number, r.note]));
    expect(byId).toEqual({ 0: null, 1: null, 9: 'hello' });
  });
});
