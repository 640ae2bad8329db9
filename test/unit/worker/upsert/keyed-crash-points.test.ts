// The crash points a keyed connector visits (src/crash-points.ts), in order, on
// v2 (position-delete files) and v3 (deletion vectors) tables: a row delta
// writes its data files, then its deletes (after-row-delta-write), then its
// manifests (before-catalog-commit), then commits (after-catalog-commit); a
// restarted runtime rebuilds the partition's index from the table, visiting
// during-key-index-rebuild once per data file after the first. The integration
// test test/integration/upsert-crash.test.ts kills `floe run` at each of them.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CrashPoint } from '../../../../src/crash-points.ts';
import type { ConnectorSettings } from '../../../../src/worker/connector-settings.ts';
import { settings, stack, table } from '../../../support/in-process-connector.ts';
import { jsonUpsertConnector, keyedChange } from '../../../support/keyed-json-connector.ts';

const visits = vi.hoisted(() => [] as string[]);
vi.mock('../../../../src/crash-points.ts', () => ({
  crashPoint: (point: CrashPoint) => {
    visits.push(point);
  },
}));

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  visits.splice(0);
});

function keyedSettings(formatVersion: string): ConnectorSettings {
  const indexDir = mkdtempSync(join(tmpdir(), 'floe-keyed-crash-'));
  dirs.push(indexDir);
  const base = settings('k', { kind: 'single', table: table('k') });
  const autoCreate = { ...base.autoCreate, properties: { 'format-version': formatVersion } };
  return { ...base, autoCreate, keyed: jsonUpsertConnector('connectors/k.yaml', indexDir) };
}

describe.each(['2', '3'])('keyed crash points (v%s)', (formatVersion) => {
  it('a row delta visits each commit point in order; a rebuild visits during-key-index-rebuild per further file', async () => {
    const s = stack();
    const keyed = keyedSettings(formatVersion);
    const tp = { topic: 't', partition: 0 };
    const first = s.runtime(keyed);
    await first.assign([tp]);
    const inserts = [1, 2, 3].map((id, i) => keyedChange(i, id, { id, v: 'a' }));
    await first.processRun(inserts, 0, inserts.length);
    await first.commit();
    expect(visits.splice(0)).toEqual([
      'after-data-file-write',
      'after-row-delta-write',
      'before-catalog-commit',
      'after-catalog-commit',
    ]);

    // An update and a delete of keys in the table: a row delta with deletes.
    const changes = [keyedChange(3, 1, { id: 1, v: 'b' }), keyedChange(4, 2, null)];
    await first.processRun(changes, 0, changes.length);
    await first.commit();
    expect(visits.splice(0)).toEqual([
      'after-data-file-write',
      'after-row-delta-write',
      'before-catalog-commit',
      'after-catalog-commit',
    ]);
    const metadata = (await s.catalog.loadTable(table('k'))).metadata;
    const deletes = formatVersion === '3' ? 'added-dvs' : 'added-position-delete-files';
    expect(metadata.snapshots.at(-1)?.summary[deletes]).toBe('1');

    // A third data file, then a restart: the rebuild reads three files, visiting the point before the 2nd and 3rd.
    const more = [keyedChange(5, 4, { id: 4, v: 'a' })];
    await first.processRun(more, 0, more.length);
    await first.commit();
    visits.splice(0);
    const restarted = s.runtime(keyed);
    await restarted.assign([tp]);
    const last = [keyedChange(6, 3, null)];
    await restarted.processRun(last, 0, last.length);
    await restarted.commit();
    expect(visits.splice(0)).toEqual([
      'during-key-index-rebuild',
      'during-key-index-rebuild',
      'after-row-delta-write',
      'before-catalog-commit',
      'after-catalog-commit',
    ]);
  });
});
