// Orphan cleanup on an in-process SQLite catalog and local files: only files no
// retained metadata reaches and older than the safety age go; everything any
// snapshot reaches (also files a compaction replaced, still in older snapshots)
// stays, and the table reads the same.
import { mkdirSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Catalog, TableIdentifier } from '../../../src/catalog/catalog.ts';
import { openSqlCatalog } from '../../../src/catalog/sql/open-sql-catalog.ts';
import { parseDuration } from '../../../src/cli/tables-command.ts';
import { buildPartitionSpec } from '../../../src/iceberg/partition-spec.ts';
import { parseTransform } from '../../../src/iceberg/transforms.ts';
import { primitive, type Schema } from '../../../src/iceberg/types.ts';
import { LocalFileIO } from '../../../src/io/local-file-io.ts';
import { compactTable } from '../../../src/maintenance/compaction-run.ts';
import { normalizePath, reachableFiles, removeOrphanFiles } from '../../../src/maintenance/orphan-files.ts';
import { appendRows } from '../../support/floe-append.ts';

const schema: Schema = {
  schemaId: 0,
  identifierFieldIds: [],
  fields: [
    { id: 1, name: 'id', required: true, type: primitive('long') },
    { id: 2, name: 'k', required: true, type: primitive('int') },
  ],
};
const ID: TableIdentifier = { namespace: ['m'], name: 't' };
const DAY = 86_400_000;

describe('removeOrphanFiles', { timeout: 60_000 }, () => {
  let catalog: Catalog;
  let location: string;
  const io = new LocalFileIO();

  beforeEach(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'floe-orphans-'));
    catalog = openSqlCatalog({ name: 'c', uri: join(dir, 'c.db'), warehouse: join(dir, 'wh'), io });
    await catalog.createNamespace(['m']);
    const created = await catalog.createTable(ID, {
      schema,
      spec: buildPartitionSpec(schema, [{ source: 'k', transform: parseTransform('identity') }]),
      properties: { 'format-version': '2' },
    });
    location = created.metadata.location;
    for (let b = 0; b < 6; b++) {
      await appendRows(
        catalog,
        io,
        ID,
        [0, 1].map((k) => ({ id: BigInt(b * 10 + k), k })),
      );
    }
  });
  afterEach(async () => catalog.close());

  function stray(relative: string, ageMs: number): string {
    const path = join(location, relative);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, 'x');
    const when = new Date(Date.now() - ageMs);
    utimesSync(path, when, when);
    return path;
  }

  async function listAll(): Promise<string[]> {
    const paths: string[] = [];
    for await (const f of io.list(`${location}/`)) paths.push(f.path);
    return paths;
  }

  it('removes old unreferenced files only, and keeps what any snapshot reaches', async () => {
    // Compaction replaces the 12 files; older snapshots still reach them.
    expect((await compactTable(catalog, io, ID, { quietMs: 0, minInputFiles: 2 })).filesRewritten).toBe(12);
    const oldData = stray('data/k=0/00000-crashed-writer.parquet', 4 * DAY);
    const oldMeta = stray('metadata/abandoned-m0.avro', 5 * DAY);
    const young = stray('data/k=1/00000-in-flight.parquet', DAY);
    const before = await listAll();
    // Every referenced file is old enough too: only reachability protects it.
    for (const path of before)
      if (![oldData, oldMeta, young].includes(path)) utimesSync(path, new Date(0), new Date(0));

    const dry = await removeOrphanFiles(catalog, io, ID, { dryRun: true });
    expect(dry.orphans.map((f) => f.path).sort()).toEqual([oldMeta, oldData].sort());
    expect(dry.tooYoung).toBe(1);
    expect(dry.removed).toBe(0);
    expect(await listAll()).toEqual(before);

    const real = await removeOrphanFiles(catalog, io, ID);
    expect(real.removed).toBe(2);
    const after = await listAll();
    expect(after).toEqual(before.filter((p) => p !== oldData && p !== oldMeta));
    const { metadata, metadataLocation } = await catalog.loadTable(ID);
    const reachable = await reachableFiles(io, metadata, metadataLocation);
    for (const path of reachable) expect(after.map(normalizePath)).toContain(path);
    expect(reachable.size).toBe(after.length - 1);
  });

  it('a shorter safety age takes younger files', async () => {
    stray('data/k=1/00000-in-flight.parquet', 2 * 3_600_000);
    expect((await removeOrphanFiles(catalog, io, ID, { olderThanMs: 3_600_000 })).removed).toBe(1);
  });

  it('normalizes the spellings of one path', () => {
    expect(normalizePath('file:///a//b/c')).toBe('/a/b/c');
    expect(normalizePath('/a/b/c')).toBe('/a/b/c');
    expect(normalizePath('s3a://bucket/x//y')).toBe('s3://bucket/x/y');
  });

  it('reads durations', () => {
    expect(parseDuration('3d', '--older-than')).toBe(3 * DAY);
    expect(parseDuration('90m', '--older-than')).toBe(90 * 60_000);
    expect(parseDuration('2500', '--older-than')).toBe(2500);
    expect(() => parseDuration('soon', '--older-than')).toThrow(/--older-than: 'soon' is not a duration/);
  });
});
