// floe tables in process, on a SQLite catalog and local files: a connector whose
// table exists (its snapshots, records and committed offsets) beside one whose
// table is not created yet, in text and as --json, which is JSON alone.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openSqlCatalog } from '../../../src/catalog/sql/open-sql-catalog.ts';
import { loadConfig } from '../../../src/cli/load-config.ts';
import { tablesCommand } from '../../../src/cli/tables-command.ts';
import { LocalFileIO } from '../../../src/io/local-file-io.ts';
import { appendRows } from '../../support/floe-append.ts';
import { interopRow, interopSchema } from '../../support/interop-table.ts';
import { tempFolder, writeConfig } from '../config/temp-config.ts';

async function twoConnectors(): Promise<string> {
  const folder = tempFolder();
  writeConfig(
    folder,
    'connectors/events.yaml',
    'topics: [events]\ntable: m.events\nvalue: { format: json }\n',
  );
  writeConfig(
    folder,
    'connectors/clicks.yaml',
    'topics: [clicks]\ntable: m.clicks\nvalue: { format: json }\n',
  );
  const config = writeConfig(
    folder,
    'floe.yaml',
    'kafka: { bootstrapServers: 127.0.0.1:9092, groupId: g }\n' +
      `catalog: { type: sql, name: c, uri: ${join(folder, 'c.db')}, warehouse: ${join(folder, 'wh')} }\n` +
      `connectorsDir: ${join(folder, 'connectors')}\nlog: { level: error }\n`,
  );
  const { catalog: sql } = loadConfig(config).worker;
  if (sql.type !== 'sql') throw new Error('expected the SQL catalog');
  const io = new LocalFileIO();
  const catalog = openSqlCatalog({ name: sql.name, uri: sql.uri!, warehouse: sql.warehouse!, io });
  try {
    const id = { namespace: ['m'], name: 'events' };
    await catalog.createNamespace(['m']);
    await catalog.createTable(id, { schema: interopSchema, properties: { 'format-version': '2' } });
    for (let b = 0; b < 2; b++) {
      const rows = Array.from({ length: 10 }, (_, k) => interopRow(b * 10 + k));
      await appendRows(catalog, io, id, rows, {
        'floe.offsets.events': JSON.stringify({ events: { 0: (b + 1) * 7, 1: (b + 1) * 3 } }),
      });
    }
  } finally {
    await catalog.close();
  }
  return config;
}

describe('tablesCommand (SQLite catalog, local files)', () => {
  it('lists each table with its snapshots and offsets, and a table not created yet', async () => {
    const config = await twoConnectors();
    const lines: string[] = [];
    expect(await tablesCommand({ config }, (l) => lines.push(l))).toBe(0);
    expect(lines).toContain('clicks -> m.clicks: not created yet');
    expect(lines.find((l) => l.startsWith('events -> m.events:'))).toMatch(
      /^events -> m\.events: 2 snapshots, 20 records in \d+ files at /,
    );
    expect(lines).toContain('  events[0] committed up to 14');
    expect(lines).toContain('  events[1] committed up to 6');
  });

  it('prints nothing but one JSON document with --json', async () => {
    const config = await twoConnectors();
    const lines: string[] = [];
    expect(await tablesCommand({ config, json: true }, (l) => lines.push(l))).toBe(0);
    const report = JSON.parse(lines.join('\n'));
    expect(report).toEqual([
      { connector: 'clicks', table: 'm.clicks', exists: false },
      expect.objectContaining({
        connector: 'events',
        table: 'm.events',
        snapshots: 2,
        totalRecords: '20',
        partitions: [
          { topic: 'events', partition: 0, offset: '14' },
          { topic: 'events', partition: 1, offset: '6' },
        ],
      }),
    ]);
  });
});
