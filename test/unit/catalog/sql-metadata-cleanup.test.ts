// Old metadata files on the SQL catalog (floe writes them itself there):
// write.metadata.previous-versions-max bounds the metadata log, and with
// write.metadata.delete-after-commit.enabled the files that leave it are deleted
// after the commit; without it they stay (the reference implementation's default).
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { TableIdentifier } from '../../../src/catalog/catalog.ts';
import { tempSqlTable } from '../../support/temp-sql-table.ts';

const id: TableIdentifier = { namespace: ['db'], name: 't' };

async function commitsWith(properties: Record<string, string>, commits: number) {
  const { catalog, io } = await tempSqlTable(properties);
  for (let i = 0; i < commits; i++)
    await catalog.commitTable(id, [], [{ action: 'set-properties', updates: { n: String(i) } }]);
  const loaded = await catalog.loadTable(id);
  const files = readdirSync(new URL(`${loaded.metadata.location}/metadata`).pathname).filter((f) =>
    f.endsWith('.metadata.json'),
  );
  await catalog.close();
  return { loaded, files, io };
}

describe('SQL catalog: old metadata files', () => {
  it('deletes what leaves the metadata log when delete-after-commit is on', async () => {
    const { loaded, files, io } = await commitsWith(
      { 'write.metadata.delete-after-commit.enabled': 'true', 'write.metadata.previous-versions-max': '2' },
      6,
    );
    expect(loaded.metadata.metadataLog).toHaveLength(2);
    expect(files).toHaveLength(3); // the current file and the two the log names
    for (const entry of loaded.metadata.metadataLog) expect(await io.exists(entry.metadataFile)).toBe(true);
    expect(await io.exists(loaded.metadataLocation)).toBe(true);
  });

  it('keeps every file by default, the log trimmed to previous-versions-max', async () => {
    const { loaded, files } = await commitsWith({ 'write.metadata.previous-versions-max': '2' }, 6);
    expect(loaded.metadata.metadataLog).toHaveLength(2);
    expect(files).toHaveLength(7);
  });
});
