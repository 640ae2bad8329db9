// Compaction of files that do not store their identity-partition column (a Hive
// table migrated in place, Spark's add_files): the Iceberg spec ("Column
// Projection") says a field id missing from a data file reads as the file's
// identity partition value. The rewrite must keep that value, and the new file
// must stay in its partition.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Catalog, TableIdentifier } from '../../../src/catalog/catalog.ts';
import { openSqlCatalog } from '../../../src/catalog/sql/open-sql-catalog.ts';
import { buildPartitionSpec, UNPARTITIONED } from '../../../src/iceberg/partition-spec.ts';
import { branchHead, currentSchema, defaultSpec } from '../../../src/iceberg/table-metadata.ts';
import { parseTransform } from '../../../src/iceberg/transforms.ts';
import { primitive, type Schema } from '../../../src/iceberg/types.ts';
import { LocalFileIO } from '../../../src/io/local-file-io.ts';
import { readSnapshotFiles } from '../../../src/maintenance/compaction-files.ts';
import { compactTable } from '../../../src/maintenance/compaction-run.ts';
import { readParquetRows } from '../../../src/parquet/parquet-row-reader.ts';
import { SnapshotProducer } from '../../../src/sink/snapshot-producer.ts';
import { dataDirectory } from '../../../src/sink/table-paths.ts';
import { TableWriter } from '../../../src/sink/table-writer.ts';

const schema: Schema = {
  schemaId: 0,
  identifierFieldIds: [],
  fields: [
    { id: 1, name: 'id', required: true, type: primitive('long') },
    { id: 2, name: 'region', required: false, type: primitive('string') },
    { id: 3, name: 'v', required: false, type: primitive('string') },
  ],
};
/** What the migrated files hold: the partition column lives only in the path / partition tuple. */
const fileSchema: Schema = { ...schema, fields: schema.fields.filter((f) => f.name !== 'region') };

const ID: TableIdentifier = { namespace: ['m'], name: 'migrated' };

describe('compaction of files without their identity-partition column', { timeout: 60_000 }, () => {
  let catalog: Catalog;
  const io = new LocalFileIO();

  beforeEach(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'floe-compact-const-'));
    catalog = openSqlCatalog({ name: 'c', uri: join(dir, 'c.db'), warehouse: join(dir, 'wh'), io });
    await catalog.createNamespace(['m']);
    await catalog.createTable(ID, {
      schema,
      spec: buildPartitionSpec(schema, [{ source: 'region', transform: parseTransform('identity') }]),
      properties: { 'format-version': '2' },
    });
  });
  afterEach(async () => catalog.close());

  it('keeps the partition value in every rewritten row and file', async () => {
    for (let b = 0; b < 3; b++) {
      const { metadata } = await catalog.loadTable(ID);
      const writer = new TableWriter({
        io,
        schema: fileSchema,
        spec: UNPARTITIONED,
        properties: metadata.properties,
        dataDirectory: `${dataDirectory(metadata)}/region=eu`,
      });
      for (let i = 0; i < 10; i++) writer.append({ id: BigInt(b * 10 + i), v: `v${b * 10 + i}` });
      const written = await writer.finish();
      const spec = defaultSpec(metadata);
      const dataFiles = written.map((f) => ({ ...f, specId: spec.specId, partition: ['eu'] }));
      const result = await new SnapshotProducer(catalog, io).append(ID, {
        dataFiles,
        decide: () => ({ kind: 'commit' }),
      });
      expect(result.kind).toBe('committed');
    }

    const compacted = await compactTable(catalog, io, ID, { quietMs: 0, minInputFiles: 2, force: true });
    expect(compacted.filesRewritten).toBe(3);

    const { metadata } = await catalog.loadTable(ID);
    const files = await readSnapshotFiles(io, metadata, branchHead(metadata, 'main')!);
    const live = files.manifests.flatMap((m) => m.live);
    expect(live.map((e) => e.dataFile.partition)).toEqual([['eu']]);
    const rows = readParquetRows(
      await io.read(live[0]!.dataFile.filePath),
      currentSchema(metadata),
      'new file',
    );
    expect(rows).toHaveLength(30);
    expect(new Set(rows.map((r) => r.region))).toEqual(new Set(['eu']));
  });
});
