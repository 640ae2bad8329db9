// `floe maintain`'s arguments: which steps the flags select, what a target
// names (a connector's existing tables, or one table), and the one-line errors
// with exit 1 for an unknown connector or a missing table.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { TableIdentifier } from '../../../src/catalog/catalog.ts';
import { formatTableIdentifier } from '../../../src/catalog/table-identifier.ts';
import { maintainSteps, resolveTargets, usesBars } from '../../../src/cli/maintain-command.ts';
import { main } from '../../../src/cli.ts';
import type { ConnectorConfig } from '../../../src/config/connector-config.ts';
import { errorMessage, tempFolder, writeConfig } from '../config/temp-config.ts';

describe('maintainSteps', () => {
  it('runs compaction and expiry when no step is named', () => {
    expect(maintainSteps({})).toEqual(['compact', 'expire']);
    expect(maintainSteps({ dryRun: true, json: true })).toEqual(['compact', 'expire']);
  });

  it('runs only the steps named, always in the order compact, expire, orphans', () => {
    expect(maintainSteps({ expire: true })).toEqual(['expire']);
    expect(maintainSteps({ removeOrphans: true })).toEqual(['orphans']);
    expect(maintainSteps({ removeOrphans: true, compact: true, expire: true })).toEqual([
      'compact',
      'expire',
      'orphans',
    ]);
    expect(maintainSteps({ removeOrphans: true, olderThan: '7d' })).toEqual(['orphans']);
  });

  it('refuses --older-than without --remove-orphans', () => {
    expect(errorMessage(() => maintainSteps({ olderThan: '1d' }))).toMatch(
      /--older-than is the safety age of --remove-orphans/,
    );
  });
});

describe('usesBars', () => {
  it('draws a bar on a terminal under auto, never when stdout carries JSON, always under bar', () => {
    expect(usesBars('auto', false, true)).toBe(true);
    expect(usesBars('auto', false, false)).toBe(false);
    expect(usesBars('auto', true, true)).toBe(false);
    expect(usesBars('bar', true, false)).toBe(true);
    expect(usesBars('log', false, true)).toBe(false);
    expect(usesBars('none', false, true)).toBe(false);
  });
});

const connector = (name: string, tables: { table?: string; route?: Record<string, string> }) =>
  ({
    name,
    ...(tables.table === undefined ? {} : { table: tables.table }),
    ...(tables.route === undefined ? {} : { route: { field: 'kind', tables: tables.route } }),
  }) as unknown as ConnectorConfig;

const catalogWith = (...existing: string[]) => ({
  tableExists: async (id: TableIdentifier) => existing.includes(formatTableIdentifier(id)),
});

async function rejection(promise: Promise<unknown>): Promise<string> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: Error) => error.message,
  );
}

describe('resolveTargets', () => {
  const connectors = [
    connector('orders', { table: 'shop.orders' }),
    connector('events', { route: { click: 'web.clicks', view: 'web.views', buy: 'web.buys' } }),
  ];

  it("takes a connector's table, and a routed connector's tables that exist", async () => {
    const names = (r: { tables: TableIdentifier[] }) => r.tables.map(formatTableIdentifier);
    expect(names(await resolveTargets('orders', connectors, catalogWith('shop.orders'), 'c'))).toEqual([
      'shop.orders',
    ]);
    const routed = await resolveTargets('events', connectors, catalogWith('web.clicks', 'web.buys'), 'c');
    expect(names(routed)).toEqual(['web.clicks', 'web.buys']);
    expect(routed.notCreated).toEqual(['web.views']);
  });

  it('takes a table identifier, whichever connector writes it', async () => {
    const r = await resolveTargets('other.t', connectors, catalogWith('other.t'), 'c');
    expect(r.tables.map(formatTableIdentifier)).toEqual(['other.t']);
  });

  it('names the connector, the table, or the unknown name in its error', async () => {
    expect(await rejection(resolveTargets('orders', connectors, catalogWith(), 'c'))).toBe(
      'connector orders: its table shop.orders does not exist yet; nothing to maintain',
    );
    expect(await rejection(resolveTargets('events', connectors, catalogWith(), 'c'))).toBe(
      'connector events: none of its tables exists (web.clicks, web.views, web.buys) yet; nothing to maintain',
    );
    expect(await rejection(resolveTargets('shop.missing', connectors, catalogWith(), 'c'))).toBe(
      'table shop.missing does not exist',
    );
    expect(await rejection(resolveTargets('ordrs', connectors, catalogWith(), '/etc/floe/connectors'))).toBe(
      "no connector named 'ordrs' in /etc/floe/connectors (known: orders, events), and 'ordrs' is not a table identifier (namespace.table)",
    );
  });
});

describe('floe maintain on the command line', () => {
  afterEach(() => vi.restoreAllMocks());

  async function run(args: string[]): Promise<{ code: number; stderr: string; stdout: string }> {
    const stderr: string[] = [];
    const stdout: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => stderr.push(String(chunk)) > 0);
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => stdout.push(String(chunk)) > 0);
    const code = await main(args);
    vi.restoreAllMocks();
    return { code, stderr: stderr.join(''), stdout: stdout.join('') };
  }

  function workerFolder(): string {
    const folder = tempFolder();
    writeConfig(
      folder,
      'connectors/orders.yaml',
      'topics: [orders]\ntable: shop.orders\nvalue: { format: json }\n',
    );
    return writeConfig(
      folder,
      'floe.yaml',
      `kafka: { bootstrapServers: 127.0.0.1:9092, groupId: g }\ncatalog: { type: sql }\n` +
        `dataDir: ${join(folder, 'data')}\nconnectorsDir: ${join(folder, 'connectors')}\nlog: { level: error }\n`,
    );
  }

  it('exits 1 with one line naming an unknown connector or a missing table', async () => {
    const config = workerFolder();
    const unknown = await run(['maintain', 'ordrs', '--config', config, '--progress', 'none']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(
      /^floe: no connector named 'ordrs' in .*connectors \(known: orders\), and/,
    );
    expect(unknown.stderr.trim().split('\n')).toHaveLength(1);
    const missing = await run(['maintain', 'orders', '--config', config, '--progress', 'none']);
    expect(missing).toMatchObject({ code: 1 });
    expect(missing.stderr).toBe(
      'floe: connector orders: its table shop.orders does not exist yet; nothing to maintain\n',
    );
    const table = await run(['maintain', 'shop.other', '--config', config, '--progress', 'none']);
    expect(table.stderr).toBe('floe: table shop.other does not exist\n');
    expect(table.code).toBe(1);
  });

  it('docs/operations.md says what a connector none of whose tables exists yet gets: exit 1 and this line', async () => {
    const folder = tempFolder();
    writeConfig(
      folder,
      'connectors/clicks.yaml',
      'topics: [clicks]\ntable: demo.clicks\nvalue: { format: json }\n',
    );
    const config = writeConfig(
      folder,
      'floe.yaml',
      `kafka: { bootstrapServers: 127.0.0.1:9092, groupId: g }\ncatalog: { type: sql }\nlog: { level: error }\n`,
    );
    const result = await run(['maintain', 'clicks', '--config', config, '--progress', 'none']);
    expect(result.code).toBe(1);
    const doc = readFileSync(new URL('../../../docs/operations.md', import.meta.url), 'utf8').replace(
      /\s+/g,
      ' ',
    );
    const section = doc.slice(doc.indexOf('## One-off maintenance'), doc.indexOf('## Orphan files'));
    const exitCodes = section.slice(section.indexOf('Exit codes:'));
    expect(exitCodes).toContain(`1 on an error`);
    expect(exitCodes).toContain(`\`${result.stderr.trim()}\``);
    expect(section.slice(0, section.indexOf('Exit codes:'))).toContain(`exit 1: \`${result.stderr.trim()}\``);
  });

  it('exits 1 on --older-than without --remove-orphans, and on a bad duration', async () => {
    const config = workerFolder();
    const alone = await run(['maintain', 'orders', '--older-than', '7d', '--config', config]);
    expect(alone.code).toBe(1);
    expect(alone.stderr).toMatch(/--older-than is the safety age of --remove-orphans/);
    const bad = await run([
      'maintain',
      'orders',
      '--remove-orphans',
      '--older-than',
      'soon',
      '--config',
      config,
    ]);
    expect(bad.stderr).toMatch(/--older-than: 'soon' is not a duration/);
    expect(bad.code).not.toBe(0);
  });
});
