// Row deltas on the real stack (issue 11, v2 tables): floe appends, then commits
// row deltas deleting random positions by file-scoped position-delete files,
// most re-inserting the same ids in the same commit (an upsert). PyIceberg, Spark
// and DuckDB read rows identical to the model, on REST + S3 and on SQLite + local
// disk. On REST, Spark's own rewrite_data_files then compacts the table (Java
// applying floe's delete files: rows unchanged), and a row delta against the
// files it rewrote is aborted with conflict data-files-gone, committing nothing.
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import type { Catalog, TableIdentifier } from '../../src/catalog/catalog.ts';
import { RestCatalog } from '../../src/catalog/rest/rest-catalog.ts';
import { openSqlCatalog } from '../../src/catalog/sql/open-sql-catalog.ts';
import { branchHead } from '../../src/iceberg/table-metadata.ts';
import { primitive } from '../../src/iceberg/types.ts';
import type { FileIO } from '../../src/io/file-io.ts';
import { DATA_FILES_GONE } from '../../src/sink/row-delta.ts';
import { SnapshotProducer } from '../../src/sink/snapshot-producer.ts';
import { Rng } from '../sim/rng.ts';
import { testFileIO } from '../support/io.ts';
import { catalogArgs, type ReaderCatalog, readWithPyIceberg } from '../support/reader.ts';
import { readerPython } from '../support/reader-python.ts';
import { appendIds, RowDeltaModel, randomRowDelta, readLiveIds } from '../support/row-delta-table.ts';
import { services, uniqueName } from '../support/services.ts';
import { expectReadersAgree } from '../support/three-readers.ts';

const run = promisify(execFile);

interface Setup {
  readonly catalog: Catalog;
  readonly io: FileIO;
  readonly reader: ReaderCatalog;
}

async function sparkCompact(reader: ReaderCatalog, table: string): Promise<Record<string, number>> {
  const script = join(services.root, 'test/interop/spark_maintain.py');
  const { stdout } = await run(readerPython(), [script, ...catalogArgs(reader), 'compact-expire', table], {
    maxBuffer: 16 << 20,
  });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, number>;
}

const ids = (rows: Array<Record<string, unknown>> | undefined) =>
  (rows ?? []).map((r) => BigInt(r.id as number)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

function describeRowDelta(label: string, open: () => Promise<Setup>, compactWithSpark: boolean): void {
  describe(`row deltas on ${label}`, () => {
    let setup: Setup | undefined;
    afterAll(async () => {
      await setup?.catalog.close();
    });

    const title = compactWithSpark
      ? 'three readers read the model; Spark compaction keeps the rows and fences a stale row delta'
      : 'three readers read the model';
    it(title, async () => {
      setup = await open();
      const { catalog, io, reader } = setup;
      const namespace = uniqueName('rowdelta');
      const id: TableIdentifier = { namespace: [namespace], name: 'keyed' };
      const name = `${namespace}.keyed`;
      await catalog.createNamespace(id.namespace);
      await catalog.createTable(id, {
        schema: {
          schemaId: 0,
          identifierFieldIds: [],
          fields: [{ id: 1, name: 'id', required: false, type: primitive('long') }],
        },
        properties: { 'format-version': '2' },
      });
      const producer = new SnapshotProducer(catalog, io);
      const model = new RowDeltaModel();
      const rng = new Rng(11);
      for (let i = 0; i < 3; i++) await appendIds(producer, catalog, io, id, model, 200);
      let deleted = 0;
      for (let i = 0; i < 6; i++) {
        const delta = await randomRowDelta(rng, producer, catalog, io, id, model, {
          maxFiles: 3,
          maxRows: 20,
          reinsert: i !== 2, // one delta only deletes
        });
        expect(delta?.result.kind).toBe('committed');
        deleted += delta!.deleted;
        if (i === 1) await appendIds(producer, catalog, io, id, model, 50);
      }
      const metadata = (await catalog.loadTable(id)).metadata;
      expect(branchHead(metadata, 'main')!.summary['total-position-deletes']).toBe(String(deleted));
      const expected = model.liveIds();
      expect(await readLiveIds(io, metadata)).toEqual(expected);
      expect(ids((await expectReadersAgree(reader, [name])).get(name))).toEqual(expected);
      if (!compactWithSpark) return;

      const compacted = await sparkCompact(reader, name);
      expect(compacted.rewrittenFiles).toBeGreaterThan(0);
      // rows unchanged, read in-process and by PyIceberg (a third Spark start would add minutes)
      expect(await readLiveIds(io, (await catalog.loadTable(id)).metadata)).toEqual(expected);
      expect(ids((await readWithPyIceberg(reader, 'table', { table: name })).rows)).toEqual(expected);
      // floe's index still points at the files Spark rewrote: the row delta must not land
      const before = (await catalog.loadTable(id)).metadata.snapshots.length;
      const stale = await randomRowDelta(rng, producer, catalog, io, id, model, {
        maxFiles: 2,
        maxRows: 5,
        reinsert: true,
      });
      expect(stale?.result).toMatchObject({ kind: 'aborted', conflict: DATA_FILES_GONE });
      expect((await catalog.loadTable(id)).metadata.snapshots.length).toBe(before);
    }, 900_000); // two Spark JVM starts on REST: minutes on a loaded machine
  });
}

describeRowDelta(
  'REST catalog + S3',
  async () => ({
    catalog: await RestCatalog.connect({
      uri: services.restUri,
      warehouse: `s3://${services.s3.bucket}/rest`,
    }),
    io: testFileIO(),
    reader: { kind: 'rest' },
  }),
  true,
);

describeRowDelta(
  'SQLite catalog + local disk',
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'floe-rowdelta-'));
    const io = testFileIO();
    const name = 'floe_rowdelta';
    return {
      catalog: openSqlCatalog({ name, uri: `${dir}/catalog.db`, warehouse: `file://${dir}/warehouse`, io }),
      io,
      reader: { kind: 'sql', uri: `sqlite:///${dir}/catalog.db`, warehouse: `file://${dir}/warehouse`, name },
    };
  },
  false,
);
