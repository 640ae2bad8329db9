// What the REST reference server (iceberg-open-api, RESTCatalogServer on JDBC)
// does with old metadata files, which it writes itself: the metadata log is
// trimmed to write.metadata.previous-versions-max, and with
// write.metadata.delete-after-commit.enabled the files that leave it are
// deleted by the server; without it they stay. floe leaves this to the server
// (docs/operations.md, "Table maintenance").
import { afterAll, describe, expect, it } from 'vitest';
import { RestCatalog } from '../../src/catalog/rest/rest-catalog.ts';
import { primitive } from '../../src/iceberg/types.ts';
import { testFileIO } from '../support/io.ts';
import { services, uniqueName } from '../support/services.ts';

const warehouse = `s3://${services.s3.bucket}/rest`;

describe('REST reference server: old metadata files', () => {
  const closing: RestCatalog[] = [];
  afterAll(async () => {
    for (const catalog of closing) await catalog.close();
  });

  async function commitsWith(properties: Record<string, string>, commits: number) {
    const catalog = await RestCatalog.connect({ uri: services.restUri, warehouse });
    closing.push(catalog);
    const ns = [uniqueName('meta')];
    await catalog.createNamespace(ns);
    const id = { namespace: ns, name: 't' };
    await catalog.createTable(id, {
      schema: {
        schemaId: 0,
        identifierFieldIds: [],
        fields: [{ id: 1, name: 'id', required: false, type: primitive('long') }],
      },
      properties,
    });
    for (let i = 0; i < commits; i++)
      await catalog.commitTable(id, [], [{ action: 'set-properties', updates: { n: String(i) } }]);
    const loaded = await catalog.loadTable(id);
    const io = testFileIO();
    const files: string[] = [];
    for await (const file of io.list(`${loaded.metadata.location}/metadata/`))
      if (file.path.endsWith('.metadata.json')) files.push(file.path);
    return { loaded, files };
  }

  it('trims the log and deletes what leaves it when delete-after-commit is on', async () => {
    const { loaded, files } = await commitsWith(
      { 'write.metadata.delete-after-commit.enabled': 'true', 'write.metadata.previous-versions-max': '2' },
      6,
    );
    console.log(
      `[rest metadata] delete-after-commit: log ${loaded.metadata.metadataLog.length}, files ${files.length}`,
    );
    expect(loaded.metadata.metadataLog).toHaveLength(2);
    expect(files).toHaveLength(3);
  });

  it('keeps the files by default', async () => {
    const { loaded, files } = await commitsWith({ 'write.metadata.previous-versions-max': '2' }, 6);
    console.log(`[rest metadata] default: log ${loaded.metadata.metadataLog.length}, files ${files.length}`);
    expect(loaded.metadata.metadataLog).toHaveLength(2);
    expect(files).toHaveLength(7);
  });
});
