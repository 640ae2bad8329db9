// floe maintain in process, on a SQLite catalog and local files (60 small files
// in 5 day partitions, floe's offsets in every snapshot): a dry run prints the
// plan and changes nothing; the real run compacts and expires, and the live
// rows and offsets are the same; a stop (as SIGINT) before the compaction's
// commit leaves the table and its files as they were, exit 130.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Catalog, TableIdentifier } from '../../../src/catalog/catalog.ts';
import { openSqlCatalog } from '../../../src/catalog/sql/open-sql-catalog.ts';
import { loadConfig } from '../../../src/cli/load-config.ts';
import { maintainCommand } from '../../../src/cli/maintain-command.ts';
import { buildPartitionSpec } from '../../../src/iceberg/partition-spec.ts';
import { branchHead, currentSchema } from '../../../src/iceberg/table-metadata.ts';
import { parseTransform } from '../../../src/iceberg/transforms.ts';
import type { Row } from '../../../src/iceberg/types.ts';
import { LocalFileIO } from '../../../src/io/local-file-io.ts';
import { type Logger, silentLogger } from '../../../src/log.ts';
import { liveData, readSnapshotFiles } from '../../../src/maintenance/compaction-files.ts';
import { readParquetRows } from '../../../src/parquet/parquet-row-reader.ts';
import { committedOffsets } from '../../../src/worker/commit/table-offsets.ts';
import { appendRows } from '../../support/floe-append.ts';
import { interopRow, interopSchema } from '../../support/interop-table.ts';
import { tempFolder, writeConfig } from '../config/temp-config.ts';

const ID: TableIdentifier = { namespace: ['m'], name: 'events' };

async function liveRows(catalog: Catalog, io: LocalFileIO): Promise<{ rows: Row[]; files: number }> {
  const { metadata } = await catalog.loadTable(ID);
  const data = liveData(await readSnapshotFiles(io, metadata, branchHead(metadata, 'main')!));
  const rows: Row[] = [];
  for (const e of data)
    rows.push(
      ...readParquetRows(await io.read(e.dataFile.filePath), currentSchema(metadata), e.dataFile.filePath),
    );
  rows.sort((a, b) => Number((a.id as bigint) - (b.id as bigint)));
  return { rows, files: data.length };
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((name) => statSync(join(dir, name)).isFile())
    .sort();
}

describe('maintainCommand (SQLite catalog, local files)', { timeout: 60_000 }, () => {
  let config: string;
  let warehouse: string;
  let catalog: Catalog;
  const io = new LocalFileIO();

  beforeEach(async () => {
    const folder = tempFolder();
    writeConfig(
      folder,
      'connectors/events.yaml',
      'topics: [events]\ntable: m.events\nvalue: { format: json }\n',
    );
    warehouse = join(folder, 'wh');
    config = writeConfig(
      folder,
      'floe.yaml',
      'kafka: { bootstrapServers: 127.0.0.1:9092, groupId: g }\n' +
        `catalog: { type: sql, name: c, uri: ${join(folder, 'c.db')}, warehouse: ${warehouse} }\n` +
        `connectorsDir: ${join(folder, 'connectors')}\nlog: { level: error }\n`,
    );
    const { catalog: sql } = loadConfig(config).worker;
    if (sql.type !== 'sql') throw new Error('expected the SQL catalog');
    catalog = openSqlCatalog({ name: sql.name, uri: sql.uri!, warehouse: sql.warehouse!, io });
    await catalog.createNamespace(['m']);
    await catalog.createTable(ID, {
      schema: interopSchema,
      spec: buildPartitionSpec(interopSchema, [{ source: 'day', transform: parseTransform('identity') }]),
      properties: {
        'format-version': '2',
        'floe.compaction.quiet-ms': '0',
        'history.expire.max-snapshot-age-ms': '0',
      },
    });
    for (let b = 0; b < 12; b++) {
      const rows = Array.from({ length: 30 }, (_, k) => interopRow(b * 30 + k));
      await appendRows(catalog, io, ID, rows, {
        'floe.offsets.events': JSON.stringify({ t: { 0: (b + 1) * 30 } }),
      });
    }
    return () => catalog.close();
  });

  it('plans on --dry-run without a change, then compacts and expires with the same rows and offsets', async () => {
    const before = await catalog.loadTable(ID);
    const rowsBefore = await liveRows(catalog, io);
    expect(rowsBefore.files).toBe(60);
    const filesBefore = filesUnder(warehouse);

    const lines: string[] = [];
    const dry = { config, dryRun: true, progress: 'none' as const };
    expect(await maintainCommand('events', dry, (l) => lines.push(l), { log: silentLogger })).toBe(0);
    expect((await catalog.loadTable(ID)).metadataLocation).toBe(before.metadataLocation);
    expect(filesUnder(warehouse)).toEqual(filesBefore);
    const plan = lines.filter((l) => l.startsWith('m.events compact day='));
    expect(plan).toHaveLength(5);
    expect(plan.every((l) => / would rewrite 12 files \(.*, 72 rows\) into 1 file \(quiet\)$/.test(l))).toBe(
      true,
    );
    expect(lines).toContain('summary (dry run: nothing changed)');
    expect(lines.some((l) => l.includes('would expire 11 snapshots (1 kept)'))).toBe(true);

    const out: string[] = [];
    const real = { config, json: true, progress: 'none' as const };
    expect(await maintainCommand('m.events', real, (l) => out.push(l), { log: silentLogger })).toBe(0);
    const summary = JSON.parse(out.join('\n')) as { steps: Array<Record<string, unknown>> };
    expect(summary.steps).toMatchObject([
      { table: 'm.events', step: 'compact', filesRewritten: 60, filesAdded: 5, records: 360 },
      { table: 'm.events', step: 'expire', snapshotsExpired: 12, snapshotsKept: 1, dataFilesDeleted: 60 },
    ]);
    const after = await liveRows(catalog, io);
    expect(after.files).toBe(5);
    expect(after.rows).toEqual(rowsBefore.rows);
    const { metadata } = await catalog.loadTable(ID);
    expect(metadata.snapshots).toHaveLength(1);
    expect(committedOffsets(metadata, 'events').get('t')?.get(0)).toBe(360n);
  });

  it('stops at the next check when stopped (as by SIGINT): exit 130, the table and its files unchanged', async () => {
    const before = await catalog.loadTable(ID);
    const filesBefore = filesUnder(warehouse);
    const stop = new AbortController();
    // The stop arrives as the compaction starts; it ends before its first group.
    const log: Logger = {
      ...silentLogger,
      info: (message) => {
        if (message === 'maintain: compact started') stop.abort();
      },
      child: () => log,
    };
    const lines: string[] = [];
    const code = await maintainCommand('events', { config, progress: 'log' }, (l) => lines.push(l), {
      log,
      signal: stop.signal,
    });
    expect(code).toBe(130);
    expect(lines[0]).toBe('summary (interrupted: the steps below ran)');
    expect(lines.slice(1)).toEqual([
      expect.stringMatching(/^ {2}m\.events {2}compact {2}nothing to do: stopped {2}/),
    ]);
    expect((await catalog.loadTable(ID)).metadataLocation).toBe(before.metadataLocation);
    expect(filesUnder(warehouse)).toEqual(filesBefore);
  });
});
