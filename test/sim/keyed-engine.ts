// The second engine's rewrite of a keyed table, as Spark's rewrite_data_files
// leaves it (v2 tables: the engine writes v2 manifests): one or two live data
// files read with their position deletes applied, their live rows written into
// one new file with no Kafka partition in its name (so floe's key index finds
// its keys through the shared, unattributed part), for a `replace` snapshot
// that swaps them. The deletes of the rewritten files are carried as they are
// (they dangle; readers ignore them).
import type { DataFile } from '../../src/iceberg/data-file.ts';
import type { ManifestEntry } from '../../src/iceberg/manifest-entry.ts';
import { currentSchema, specById, type TableMetadata } from '../../src/iceberg/table-metadata.ts';
import type { FileIO } from '../../src/io/file-io.ts';
import { readParquetRows } from '../../src/parquet/parquet-row-reader.ts';
import { dataDirectory } from '../../src/sink/table-paths.ts';
import { TableWriter } from '../../src/sink/table-writer.ts';
import type { KeyedTableReader } from './keyed-table-reader.ts';
import type { Rng } from './rng.ts';

export interface KeyedRewrite {
  readonly added: DataFile[];
  readonly kept: ManifestEntry[];
  readonly removed: ManifestEntry[];
}

/** Undefined when the table has no live data file. */
export async function keyedRewrite(
  io: FileIO,
  reader: KeyedTableReader,
  metadata: TableMetadata,
  rng: Rng,
): Promise<KeyedRewrite | undefined> {
  const { data, deleted } = await reader.scan(metadata);
  if (data.length === 0) return undefined;
  const removed = rng.shuffle(data).slice(0, rng.range(1, 2));
  const gone = new Set(removed.map((e) => e.dataFile.filePath));
  const schema = currentSchema(metadata);
  const writer = new TableWriter({
    io,
    schema,
    spec: specById(metadata, metadata.defaultSpecId),
    properties: metadata.properties,
    dataDirectory: dataDirectory(metadata),
  });
  for (const { dataFile } of removed) {
    const positions = deleted.get(dataFile.filePath);
    const rows = readParquetRows(await io.read(dataFile.filePath), schema, dataFile.filePath);
    for (const [position, row] of rows.entries()) {
      if (positions?.has(position)) continue;
      const pending = writer.append(row);
      if (pending) await pending;
    }
  }
  return {
    added: await writer.finish(),
    kept: data.filter((e) => !gone.has(e.dataFile.filePath)),
    removed,
  };
}
