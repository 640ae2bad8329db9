// One compaction group -> new data files: the files are read back (by field id,
// into the table's current schema) without the rows their file-scoped position
// deletes remove (spec: "Position Delete Files": the `pos` of rows whose
// `file_path` is the data file; "Deletion Vectors": the positions of the
// file's vector) and written again through the table writer (partition path,
// Parquet properties, metrics modes and file size of the table), on the Parquet
// encoder thread, named with the group's attribution ending when it has one
// (compaction-attribution.ts). Without a sort order the rewrite streams: one
// input row group is decoded at a time and its rows go straight to the encoder
// (which streams row groups to storage), so memory holds one input file's bytes,
// one row group's Arrow data and the encoder's open chunks, whatever the group's
// size. With the table's default sort order the group's Arrow data is held whole
// and sorted by reference on the sort columns alone, each row made as it is
// written (its input budget is smaller: compaction-run.ts). Nothing here
// touches the catalog: until the replace commit lands, the new files are
// unreferenced. A column a file does not store reads as the file's
// identity-partition value when its spec has one (spec: "Column Projection"; a
// Hive table migrated in place, Spark's add_files). It runs on the thread that
// calls it: the worker's background maintenance calls it on the compaction
// thread (compaction-thread.ts), so none of this runs on the ingest thread.
import { crashPoint } from '../crash-points.ts';
import type { DataFile } from '../iceberg/data-file.ts';
import type { PartitionSpec, PartitionTuple } from '../iceberg/partition-spec.ts';
import type { SortField, SortOrder } from '../iceberg/sort-order.ts';
import { currentSchema, sortOrderById, specById, type TableMetadata } from '../iceberg/table-metadata.ts';
import { applyTransform } from '../iceberg/transforms.ts';
import { indexFieldsById, isPrimitive, type Row, type Schema } from '../iceberg/types.ts';
import type { FileIO } from '../io/file-io.ts';
import { type RowBatch, readParquetRows, streamParquetBatches } from '../parquet/parquet-row-reader.ts';
import { compareBytes, compareCodePoints } from '../parquet/value-order.ts';
import { isDeletionVector, readDeletionVector } from '../sink/deletion-vector-files.ts';
import { POSITION_DELETE_SCHEMA } from '../sink/position-delete-writer.ts';
import { dataDirectory } from '../sink/table-paths.ts';
import { TableWriter } from '../sink/table-writer.ts';
import { lineageFill, withLineageColumns } from './compaction-lineage.ts';
import type { CompactionGroup } from './compaction-plan.ts';
import type { PacePoint } from './duty-cycle.ts';

/** Rows between two pace points: a few ms of work on the wide shape. */
const PACE_ROWS = 1024;

export interface RewrittenGroup {
  readonly group: CompactionGroup;
  readonly added: DataFile[];
  readonly rows: number;
}

/**
 * How compactTable rewrites one group: rewriteGroup below, on the calling thread,
 * or rewriteGroupOffThread (compaction-thread.ts), which the worker's background
 * maintenance uses. `signal` may stop the rewrite before its end (the thread's);
 * rewriteGroup ignores it (compactTable checks it between groups).
 */
export type GroupRewrite = (
  io: FileIO,
  metadata: TableMetadata,
  group: CompactionGroup,
  files: ReadonlyMap<string, DataFile>,
  deletes: ReadonlyMap<string, readonly DataFile[]>,
  signal?: AbortSignal,
) => Promise<RewrittenGroup>;

/**
 * `files`: the group's data files by path (their partition tuples fill columns a
 * file lacks); `deletes`: per data file path, the position-delete files to apply.
 */
export async function rewriteGroup(
  io: FileIO,
  metadata: TableMetadata,
  group: CompactionGroup,
  files?: ReadonlyMap<string, DataFile>,
  deletes?: ReadonlyMap<string, readonly DataFile[]>,
  _signal?: AbortSignal,
  /** Called every PACE_ROWS rows written (the compaction thread's duty cycle). */
  pace?: PacePoint,
): Promise<RewrittenGroup> {
  const tableSchema = currentSchema(metadata);
  // v3: the moved rows keep their row ids, written as columns (compaction-lineage.ts)
  const lineage = metadata.formatVersion >= 3;
  const schema = lineage ? withLineageColumns(tableSchema) : tableSchema;
  const spec = specById(metadata, group.specId);
  const order = sortOrderById(metadata, metadata.defaultSortOrderId);
  const sorted = order.fields.length > 0;
  /** The live rows of one input file, one row group decoded at a time, as batch and index. */
  async function* liveRows(file: CompactionGroup['files'][number]): AsyncGenerator<LiveRow> {
    const deleted = await deletedPositions(io, file.path, deletes?.get(file.path) ?? []);
    const bytes = await io.read(file.path);
    const dataFile = files?.get(file.path);
    const fill = identityFill(spec, tableSchema, dataFile?.partition);
    const lineageOf = lineage ? lineageFill(dataFile?.firstRowId, file.dataSequenceNumber) : undefined;
    const source: LiveRow['source'] = {
      fill,
      row: lineageOf ? (row, position) => lineageOf(fill(row), position) : (row) => fill(row),
    };
    let position = 0;
    for (const batch of streamParquetBatches(bytes, schema, file.path)) {
      for (let index = 0; index < batch.length; index++, position++)
        if (!deleted.has(position)) yield { batch, index, position, source };
    }
  }
  const made = (live: LiveRow): Row => live.source.row(live.batch.row(live.index), live.position);
  const writer = new TableWriter({
    io,
    schema,
    spec,
    properties: metadata.properties,
    dataDirectory: dataDirectory(metadata),
    ...(group.attribution === undefined ? {} : { fileSuffix: group.attribution }),
  });
  let rows = 0;
  const write = async (row: Row) => {
    rows++;
    const behind = writer.append(row);
    if (behind !== undefined) await behind;
    if (pace !== undefined && rows % PACE_ROWS === 0) await pace();
  };
  try {
    if (sorted) {
      // The whole group's Arrow data in memory, sorted by position on the sort columns
      // alone; each row is made when written (its input budget is smaller: compaction-run.ts).
      const keyColumns = sortColumns(order, schema);
      const keyed: { key: Row; live: LiveRow }[] = [];
      for (const file of group.files)
        for await (const live of liveRows(file))
          keyed.push({ key: live.source.fill(live.batch.row(live.index, keyColumns)), live });
      const compare = rowComparator(order, schema);
      keyed.sort((a, b) => compare(a.key, b.key));
      for (const { live } of keyed) await write(made(live));
    } else {
      // Streamed: one input row group at a time, each row made and handed to the encoder.
      for (const file of group.files) {
        for await (const live of liveRows(file)) await write(made(live));
        await writer.rollFull();
      }
    }
    const added = await writer.finish();
    crashPoint('after-compaction-write');
    return { group, added, rows };
  } catch (error) {
    writer.abort();
    throw error;
  }
}

/** A live row of an input file, not made yet: its batch, index there and position in the file. */
interface LiveRow {
  readonly batch: RowBatch;
  readonly index: number;
  readonly position: number;
  readonly source: {
    /** The identity-partition fill alone (sort keys). */
    readonly fill: (row: Row) => Row;
    /** Fill and lineage: the row as written. */
    readonly row: (row: Row, position: number) => Row;
  };
}

/** The top-level columns the sort order reads. */
function sortColumns(order: SortOrder, schema: Schema): Set<string> {
  const paths = sourcePaths(schema);
  return new Set(order.fields.flatMap((field) => paths.get(field.sourceId)?.slice(0, 1) ?? []));
}

/** The positions of `dataPath` the position-delete files and deletion vectors remove. */
async function deletedPositions(
  io: FileIO,
  dataPath: string,
  deleteFiles: readonly DataFile[],
): Promise<Set<number>> {
  const deleted = new Set<number>();
  for (const file of deleteFiles) {
    if (isDeletionVector(file)) {
      for (const position of await readDeletionVector(io, file)) deleted.add(position);
      continue;
    }
    for (const row of readParquetRows(await io.read(file.filePath), POSITION_DELETE_SCHEMA, file.filePath)) {
      if (row.file_path === dataPath) deleted.add(Number(row.pos as bigint));
    }
  }
  return deleted;
}

/**
 * Sets each top-level column an identity partition field of `spec` reads from to
 * the file's partition value where the row has none: a file that lacks the
 * column reads it as null, and in a file that has it every value equals the
 * partition value anyway (null included).
 */
function identityFill(spec: PartitionSpec, schema: Schema, partition: PartitionTuple | undefined) {
  if (partition === undefined) return (row: Row) => row;
  const top = new Map(schema.fields.map((f) => [f.id, f.name]));
  const fills = spec.fields.flatMap((field, i) => {
    const name = top.get(field.sourceId);
    const value = partition[i];
    const usable = field.transform.kind === 'identity' && name !== undefined && value !== null;
    return usable && value !== undefined ? [{ name, value }] : [];
  });
  return (row: Row): Row => {
    for (const { name, value } of fills) if (row[name] === null || row[name] === undefined) row[name] = value;
    return row;
  };
}

/** The order of `order` (spec: "Sorting"): each field's transform of its source column, direction, nulls. */
export function rowComparator(order: SortOrder, schema: Schema): (a: Row, b: Row) => number {
  const byId = indexFieldsById(schema.fields);
  const paths = sourcePaths(schema);
  const keys = order.fields.flatMap((field) => {
    const source = byId.get(field.sourceId);
    const path = paths.get(field.sourceId);
    if (source === undefined || path === undefined || !isPrimitive(source.type)) return [];
    const type = source.type;
    const value = (row: Row): unknown => {
      let v: unknown = row;
      for (const name of path) v = v === null || v === undefined ? null : (v as Row)[name];
      return v === null || v === undefined ? null : applyTransform(field.transform, type, v);
    };
    return [{ field, value }];
  });
  return (a, b) => {
    for (const { field, value } of keys) {
      const c = compareSortValues(value(a), value(b), field);
      if (c !== 0) return c;
    }
    return 0;
  };
}

function compareSortValues(x: unknown, y: unknown, field: SortField): number {
  const xNull = x === null || x === undefined;
  const yNull = y === null || y === undefined;
  if (xNull || yNull) {
    if (xNull && yNull) return 0;
    const nullFirst = field.nullOrder === 'nulls-first';
    return xNull === nullFirst ? -1 : 1;
  }
  const c = compareValues(x, y);
  return field.direction === 'desc' ? -c : c;
}

function compareValues(x: unknown, y: unknown): number {
  if (typeof x === 'string' && typeof y === 'string') return compareCodePoints(x, y);
  if (x instanceof Uint8Array && y instanceof Uint8Array) return compareBytes(x, y);
  if (typeof x === 'boolean' && typeof y === 'boolean') return Number(x) - Number(y);
  const a = x as number | bigint;
  const b = y as number | bigint;
  // NaN sorts last, as in Java's Double.compare.
  if (typeof a === 'number' && Number.isNaN(a)) return typeof b === 'number' && Number.isNaN(b) ? 0 : 1;
  if (typeof b === 'number' && Number.isNaN(b)) return -1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Field id -> the names reaching it through structs (sort sources are never inside lists or maps). */
function sourcePaths(schema: Schema): Map<number, string[]> {
  const paths = new Map<number, string[]>();
  const visit = (fields: Schema['fields'], prefix: string[]) => {
    for (const field of fields) {
      const path = [...prefix, field.name];
      paths.set(field.id, path);
      if (field.type.kind === 'struct') visit(field.type.fields, path);
    }
  };
  visit(schema.fields, []);
  return paths;
}
