// Appends rows to a table with floe's library (TableWriter + SnapshotProducer),
// the way the worker will, for interop tests.
import type { Catalog, TableIdentifier } from '../../src/catalog/catalog.ts';
import { currentSchema, defaultSpec } from '../../src/iceberg/table-metadata.ts';
import type { Row } from '../../src/iceberg/types.ts';
import type { FileIO } from '../../src/io/file-io.ts';
import { type AppendResult, SnapshotProducer } from '../../src/sink/snapshot-producer.ts';
import { dataDirectory } from '../../src/sink/table-paths.ts';
import { TableWriter } from '../../src/sink/table-writer.ts';

export async function appendRows(
  catalog: Catalog,
  io: FileIO,
  id: TableIdentifier,
  rows: readonly Row[],
  summary: Record<string, string> = {},
): Promise<AppendResult & { files: number }> {
  const { metadata } = await catalog.loadTable(id);
  const writer = new TableWriter({
    io,
    schema: currentSchema(metadata),
    spec: defaultSpec(metadata),
    properties: metadata.properties,
    dataDirectory: dataDirectory(metadata),
  });
  for (const row of rows) writer.append(row);
  const dataFiles = await writer.finish();
  const producer = new SnapshotProducer(catalog, io);
  const result = await producer.append(id, { dataFiles, decide: () => ({ kind: 'commit', summary }) });
  return { ...result, files: dataFiles.length };
}
