// v3 tables written by floe (row lineage) on the real stack, REST + S3 and
// SQLite + local disk: appends of several sizes with manifest merging on, so the
// lists carry listed, new and merged manifests, then floe's snapshot expiry.
// floe's own metadata holds the lineage chain (each snapshot's first-row-id is
// the previous next-row-id, the table's next-row-id their sum, a file's row ids
// never move when its manifest is merged or old snapshots expire); PyIceberg,
// Spark and DuckDB read the same rows; Spark's _row_id and
// _last_updated_sequence_number are the ids the spec gives (the file's inherited
// first_row_id + _pos, its data sequence number), unique and below next-row-id.
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import type { Catalog, TableIdentifier } from '../../src/catalog/catalog.ts';
import { RestCatalog } from '../../src/catalog/rest/rest-catalog.ts';
import { openSqlCatalog } from '../../src/catalog/sql/open-sql-catalog.ts';
import { decodeManifest } from '../../src/iceberg/manifest.ts';
import { inheritManifestMetadata } from '../../src/iceberg/manifest-entry.ts';
import { decodeManifestList } from '../../src/iceberg/manifest-list.ts';
import { inheritFirstRowIds } from '../../src/iceberg/row-lineage.ts';
import type { TableMetadata } from '../../src/iceberg/table-metadata.ts';
import { branchHead } from '../../src/iceberg/table-metadata.ts';
import { primitive } from '../../src/iceberg/types.ts';
import type { FileIO } from '../../src/io/file-io.ts';
import { SnapshotExpiry } from '../../src/maintenance/expire-snapshots.ts';
import { SnapshotProducer } from '../../src/sink/snapshot-producer.ts';
import { testFileIO } from '../support/io.ts';
import { catalogArgs, type ReaderCatalog } from '../support/reader.ts';
import { readerPython } from '../support/reader-python.ts';
import { appendIds, RowDeltaModel } from '../support/row-delta-table.ts';
import { services, uniqueName } from '../support/services.ts';
import { expectReadersAgree } from '../support/three-readers.ts';

const run = promisify(execFile);

interface Setup {
  readonly catalog: Catalog;
  readonly io: FileIO;
  readonly reader: ReaderCatalog;
}

interface FileLineage {
  readonly firstRowId: bigint;
  readonly sequenceNumber: number;
  readonly recordCount: number;
}

/** Per live data file of the current snapshot: its first row id (inherited as a reader does) and data sequence number. */
async function fileLineage(io: FileIO, metadata: TableMetadata): Promise<Map<string, FileLineage>> {
  const out = new Map<string, FileLineage>();
  for (const manifest of decodeManifestList(await io.read(branchHead(metadata, 'main')!.manifestList))) {
    const { entries } = decodeManifest(await io.read(manifest.manifestPath));
    for (const entry of inheritFirstRowIds(entries, manifest)) {
      if (entry.status === 2) continue;
      const inherited = inheritManifestMetadata(entry, manifest);
      const { filePath, firstRowId, recordCount } = entry.dataFile;
      expect(firstRowId, filePath).toBeDefined();
      out.set(filePath, { firstRowId: firstRowId!, sequenceNumber: inherited.sequenceNumber!, recordCount });
    }
  }
  return out;
}

interface SparkLineageRow {
  readonly id: number;
  readonly _row_id: number;
  readonly _last_updated_sequence_number: number;
  readonly _file: string;
  readonly _pos: number;
}

async function sparkLineage(reader: ReaderCatalog, table: string): Promise<SparkLineageRow[]> {
  const script = join(services.root, 'test/interop/read_spark.py');
  const { stdout } = await run(readerPython(), [script, ...catalogArgs(reader), '--lineage', table], {
    maxBuffer: 64 << 20,
  });
  return stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line.slice(line.indexOf('\t') + 1)) as SparkLineageRow);
}

function describeV3(label: string, open: () => Promise<Setup>): void {
  describe(`v3 row lineage on ${label}`, () => {
    let setup: Setup | undefined;
    afterAll(async () => {
      await setup?.catalog.close();
    });

    it('keeps the lineage chain through appends, merges and expiry; three readers and Spark _row_id agree', async () => {
      setup = await open();
      const { catalog, io, reader } = setup;
      const namespace = uniqueName('v3lineage');
      const id: TableIdentifier = { namespace: [namespace], name: 'rows' };
      const name = `${namespace}.rows`;
      await catalog.createNamespace(id.namespace);
      await catalog.createTable(id, {
        schema: {
          schemaId: 0,
          identifierFieldIds: [],
          fields: [{ id: 1, name: 'id', required: false, type: primitive('long') }],
        },
        properties: {
          'format-version': '3',
          'commit.manifest-merge.enabled': 'true',
          'commit.manifest.min-count-to-merge': '3',
        },
      });
      const created = (await catalog.loadTable(id)).metadata;
      expect(created.formatVersion).toBe(3);
      expect(created.nextRowId).toBe(0n);

      const producer = new SnapshotProducer(catalog, io);
      const model = new RowDeltaModel();
      const seen = new Map<string, bigint>(); // file -> first row id, across snapshots
      let expectedNext = 0n;
      for (const rows of [200, 1, 150, 37, 80, 5, 120]) {
        const before = (await catalog.loadTable(id)).metadata;
        expect((await appendIds(producer, catalog, io, id, model, rows)).kind).toBe('committed');
        const metadata = (await catalog.loadTable(id)).metadata;
        const head = branchHead(metadata, 'main')!;
        expect(head.firstRowId).toBe(before.nextRowId);
        expect(head.addedRows! >= BigInt(rows)).toBe(true); // merged manifests take a new range too
        expectedNext = head.firstRowId! + head.addedRows!;
        expect(metadata.nextRowId).toBe(expectedNext);
        for (const [path, lineage] of await fileLineage(io, metadata)) {
          if (seen.has(path)) expect(lineage.firstRowId, `${path} moved`).toBe(seen.get(path));
          seen.set(path, lineage.firstRowId);
        }
      }
      // expiry removes snapshots, never row ids: next-row-id and every file's ids stay
      const beforeExpiry = (await catalog.loadTable(id)).metadata;
      const expired = await new SnapshotExpiry(catalog, io, {
        now: () => Date.now() + 60_000,
        policy: { maxSnapshotAgeMs: 0, minSnapshotsToKeep: 2 },
      }).expire(id);
      expect(expired.snapshotsRemoved).toBeGreaterThan(0);
      const afterExpiry = (await catalog.loadTable(id)).metadata;
      expect(afterExpiry.nextRowId).toBe(beforeExpiry.nextRowId);
      expect(await fileLineage(io, afterExpiry)).toEqual(await fileLineage(io, beforeExpiry));
      expect((await appendIds(producer, catalog, io, id, model, 9)).kind).toBe('committed');
      expect(branchHead((await catalog.loadTable(id)).metadata, 'main')!.firstRowId).toBe(
        beforeExpiry.nextRowId,
      );

      const metadata = (await catalog.loadTable(id)).metadata;
      const manifests = decodeManifestList(await io.read(branchHead(metadata, 'main')!.manifestList));
      expect(manifests.length).toBeLessThan(8); // merging happened
      const files = await fileLineage(io, metadata);

      const expected = model.liveIds();
      const read = (await expectReadersAgree(reader, [name])).get(name) ?? [];
      expect(read.map((r) => BigInt(r.id as number)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))).toEqual(
        expected,
      );

      const rows = await sparkLineage(reader, name);
      expect(rows).toHaveLength(expected.length);
      const rowIds = new Set(rows.map((r) => BigInt(r._row_id)));
      expect(rowIds.size).toBe(rows.length);
      for (const row of rows) {
        const file = [...files].find(([path]) =>
          row._file.endsWith(path.replace(/^[a-z0-9]+:\/\/[^/]*/, '')),
        );
        expect(file, row._file).toBeDefined();
        const [, lineage] = file!;
        expect(BigInt(row._row_id)).toBe(lineage.firstRowId + BigInt(row._pos));
        expect(BigInt(row._row_id) < metadata.nextRowId!).toBe(true);
        expect(row._last_updated_sequence_number).toBe(lineage.sequenceNumber);
      }
    }, 900_000);
  });
}

describeV3('REST catalog + S3', async () => ({
  catalog: await RestCatalog.connect({ uri: services.restUri, warehouse: `s3://${services.s3.bucket}/rest` }),
  io: testFileIO(),
  reader: { kind: 'rest' },
}));

describeV3('SQLite catalog + local disk', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'floe-v3-'));
  const io = testFileIO();
  const name = 'floe_v3';
  return {
    catalog: openSqlCatalog({ name, uri: `${dir}/catalog.db`, warehouse: `file://${dir}/warehouse`, io }),
    io,
    reader: { kind: 'sql', uri: `sqlite:///${dir}/catalog.db`, warehouse: `file://${dir}/warehouse`, name },
  };
});
