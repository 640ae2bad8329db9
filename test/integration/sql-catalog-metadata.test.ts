// What the SQL catalog writes when it rewrites a table's metadata: keys of other
// writers survive a commit, and no table is created in a format version floe
// cannot write (v3).
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqlCatalog } from '../../src/catalog/sql/open-sql-catalog.ts';
import { ValidationError } from '../../src/errors.ts';
import type { Schema } from '../../src/iceberg/types.ts';
import { LocalFileIO } from '../../src/io/local-file-io.ts';
import { uniqueName } from '../support/services.ts';

const schema: Schema = {
  schemaId: 0,
  identifierFieldIds: [],
  fields: [{ id: 1, name: 'id', required: true, type: { kind: 'long' } }],
};

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'floe-sql-metadata-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('SQL catalog metadata rewrite and format versions', () => {
  const name = uniqueName('rewrite');
  const open = () =>
    openSqlCatalog({
      name,
      uri: join(dir, 'rewrite', 'catalog.db'),
      warehouse: join(dir, 'rewrite'),
      io: new LocalFileIO(),
    });

  it('keeps top-level keys of other writers through a commit', async () => {
    const catalog = open();
    await catalog.createNamespace(['ns']);
    const table = await catalog.createTable({ namespace: ['ns'], name: 'vendor' }, { schema });
    // another writer's file: floe's with a key floe does not know
    const json = JSON.parse(await readFile(table.metadataLocation, 'utf8')) as Record<string, unknown>;
    await writeFile(
      table.metadataLocation,
      JSON.stringify({ ...json, 'vendor.lineage': { job: 'nightly' } }),
    );
    const committed = await catalog.commitTable(
      table.identifier,
      [],
      [{ action: 'set-properties', updates: { k: 'v' } }],
    );
    const written = JSON.parse(await readFile(committed.metadataLocation, 'utf8')) as Record<string, unknown>;
    expect(written['vendor.lineage']).toEqual({ job: 'nightly' });
    expect((written.properties as Record<string, string>).k).toBe('v');
    await catalog.close();
  });

  it('refuses to create a table of a format version floe does not write (4), before writing anything, naming the table', async () => {
    const catalog = open();
    const id = { namespace: ['ns'], name: 'v4' };
    const error = await catalog
      .createTable(id, { schema, properties: { 'format-version': '4' } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toMatch(
      /table ns\.v4 \(SQL catalog .*\): property format-version must be 1, 2 or 3, got '4'/,
    );
    expect(await catalog.tableExists(id)).toBe(false);
    expect(existsSync(join(dir, 'rewrite', 'ns.db', 'v4'))).toBe(false);
    // nor through a staged create (REST-style commit of a whole new table)
    const staged = catalog.commitTable(
      id,
      [{ type: 'assert-create' }],
      [
        { action: 'assign-uuid', uuid: '9c12d441-03fe-4693-9a96-a0705ddf69c1' },
        { action: 'upgrade-format-version', formatVersion: 4 as unknown as 3 }, // what another client could send
        { action: 'add-schema', schema },
        { action: 'set-current-schema', schemaId: -1 },
        { action: 'set-location', location: join(dir, 'rewrite', 'staged-v4') },
      ],
    );
    await expect(staged).rejects.toThrow(/format version 4/);
    expect(await catalog.tableExists(id)).toBe(false);
    await catalog.close();
  });
});
