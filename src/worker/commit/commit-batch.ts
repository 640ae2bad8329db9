// Commits one connector batch (docs/exactly-once.md): every table of the
// connector that exists gets the batch's data files for it plus offsets for
// every partition the batch read, also when no record went to it, fenced
// against what the worker last saw of that table and with its schema
// re-derived on the fresh table. All tables in one atomic catalog commit where
// the catalog can; elsewhere one table at a time (offsets only ever grow, and
// every table records a partition before any table moves past it, see
// claim-partitions.ts: a crash between two tables leaves one ahead, and its
// records are skipped when the partition is read again). A fenced table aborts
// the whole batch, which the worker then re-reads from the tables' offsets.
import type { Catalog } from '../../catalog/catalog.ts';
import { type ErrorContext, FloeError, NoSuchTableError } from '../../errors.ts';
import type { DataFile } from '../../iceberg/data-file.ts';
import type { FileIO } from '../../io/file-io.ts';
import type { Logger } from '../../log.ts';
import { commitSchema } from '../../sink/commit-schema.ts';
import { DATA_FILES_GONE } from '../../sink/row-delta.ts';
import {
  type CommitDecision,
  SnapshotProducer,
  type SnapshotProducerOptions,
  type TableAppend,
  type TableOutcome,
} from '../../sink/snapshot-producer.ts';
import type { TableRegistry, TableState } from '../table-registry.ts';
import type { WorkerMetrics } from '../worker-metrics.ts';
import { fenceBatch, type PartitionRange } from './batch-fence.ts';
import { claimPartitions } from './claim-partitions.ts';
import type { ConnectorBatch, TableBatch } from './connector-batch.ts';
import { committedOffsets, getOffset, type OffsetMap } from './table-offsets.ts';

/**
 * Why a batch was fenced. `offsets`: another writer moved the connector's
 * offsets (a zombie, a gap). `schema`: another writer took the field ids the
 * batch was written with. `dropped`: a table was dropped meanwhile. `deletes`: a
 * data file the batch's position deletes reference is no longer live (compacted
 * or removed by another engine; the key index must be rebuilt). The last three
 * are cured by reading the batch again; the first means someone else serves
 * the partitions now.
 */
export type FenceKind = 'offsets' | 'schema' | 'dropped' | 'deletes';

/** The batch must not be committed: another worker owns (part of) its range now, or took its field ids. */
export class FencedBatchError extends FloeError {
  readonly fence: FenceKind;

  constructor(message: string, fence: FenceKind, context: ErrorContext) {
    super(message, context);
    this.fence = fence;
  }
}

export interface CommitBatchDeps {
  readonly connector: string;
  readonly catalog: Catalog;
  readonly io: FileIO;
  readonly tables: TableRegistry;
  readonly log: Logger;
  readonly metrics: WorkerMetrics;
  readonly producer?: SnapshotProducerOptions;
  /** Extra snapshot summary properties (e.g. a backfill marker). */
  readonly summary?: Readonly<Record<string, string>>;
}

interface Prepared {
  readonly state: TableState;
  readonly table: TableBatch | undefined;
  readonly dataFiles: DataFile[];
  readonly append: TableAppend;
  /** The connector's offsets on the table the last fence ran on (the committed snapshot's parent). */
  readonly seen: { offsets?: OffsetMap };
}

/** `states`: every existing table of the connector (the batch's own tables are added). */
export async function commitConnectorBatch(
  batch: ConnectorBatch,
  states: readonly TableState[],
  deps: CommitBatchDeps,
): Promise<void> {
  const started = performance.now();
  const all = new Map<string, TableState>(states.map((s) => [s.name, s]));
  for (const table of batch.tables.values()) all.set(table.state.name, table.state);
  // Data files, and a keyed batch's position-delete files (content 1): a row delta.
  const files = new Map<string, DataFile[]>();
  for (const table of batch.tables.values()) files.set(table.state.name, await table.writer.finish());
  const filesDone = performance.now();
  const producer = new SnapshotProducer(deps.catalog, deps.io, { ...deps.producer, log: deps.log });
  if (all.size > 1) {
    await claimPartitions(batch, [...all.values()], {
      connector: deps.connector,
      catalog: deps.catalog,
      producer,
      tables: deps.tables,
    });
  }
  const prepared: Prepared[] = [];
  const fence: { kind: FenceKind } = { kind: 'offsets' };
  for (const state of all.values()) {
    const table = batch.tables.get(state.name);
    const written = files.get(state.name) ?? [];
    const dataFiles = written.filter((f) => f.content === 0);
    const deleteFiles = written.filter((f) => f.content !== 0);
    // v3: the live deletion vectors the batch's vectors were merged with (the commit removes them)
    const replacedDeleteFiles = table?.writer.replacedDeleteFiles ?? [];
    const seen: { offsets?: OffsetMap } = {};
    const toCommit = { dataFiles, deleteFiles, replacedDeleteFiles };
    const append = tableAppend(batch, state, table, toCommit, deps, fence, seen);
    prepared.push({ state, table, dataFiles, append, seen });
  }
  if (prepared.length === 0) return;
  const atomic = prepared.length > 1 && (await deps.catalog.supportsMultiTableCommit());
  const groups = atomic ? [prepared] : prepared.map((p) => [p]);
  for (const group of groups) {
    const result = await commitGroup(producer, group, deps, fence);
    if (result.kind === 'aborted') {
      if (result.conflict === DATA_FILES_GONE) fence.kind = 'deletes';
      const message = `connector ${deps.connector}: batch not committed: ${result.reason}`;
      throw new FencedBatchError(message, fence.kind, { connector: deps.connector });
    }
    for (const [i, p] of group.entries()) {
      const outcome = result.tables[i]!;
      const after = committedOffsets(outcome.metadata, deps.connector);
      const offsets = { before: p.seen.offsets ?? after, after };
      p.table?.writer.afterCommit?.(outcome.kind === 'committed', offsets);
      report(p, outcome, { started, filesDone }, deps);
    }
  }
}

/** A table dropped meanwhile fences the batch: it is forgotten, and the batch re-read. */
async function commitGroup(
  producer: SnapshotProducer,
  group: readonly Prepared[],
  deps: CommitBatchDeps,
  fence: { kind: FenceKind },
) {
  try {
    return await producer.commit(group.map((p) => p.append));
  } catch (error) {
    if (!(error instanceof NoSuchTableError)) throw error;
    fence.kind = 'dropped';
    for (const p of group) deps.tables.forget(p.state.id);
    return {
      kind: 'aborted' as const,
      reason: `a table was dropped meanwhile: ${error.message}`,
      attempts: 1,
    };
  }
}

function tableAppend(
  batch: ConnectorBatch,
  state: TableState,
  table: TableBatch | undefined,
  files: {
    readonly dataFiles: readonly DataFile[];
    readonly deleteFiles: readonly DataFile[];
    readonly replacedDeleteFiles: readonly DataFile[];
  },
  deps: CommitBatchDeps,
  fence: { kind: FenceKind },
  seen: { offsets?: OffsetMap },
): TableAppend {
  const ranges: PartitionRange[] = [...batch.reads.entries()].map(([key, read]) => ({
    topic: read.topic,
    partition: read.partition,
    expected: getOffset(state.offsets, read.topic, read.partition),
    from: read.from,
    end: read.end,
    wrote: table?.sources.has(key) ?? false,
    lost: read.lost,
  }));
  const written = table?.writer.schema;
  return {
    id: state.id,
    dataFiles: files.dataFiles,
    ...(files.deleteFiles.length > 0 ? { deleteFiles: files.deleteFiles } : {}),
    ...(files.replacedDeleteFiles.length > 0 ? { replacedDeleteFiles: files.replacedDeleteFiles } : {}),
    ...(written ? { fileSchema: written } : {}),
    decide: (metadata): CommitDecision => {
      seen.offsets = committedOffsets(metadata, deps.connector);
      const decision = fenceBatch(deps.connector, seen.offsets, ranges, deps.summary);
      fence.kind = 'offsets';
      if (decision.kind !== 'commit' || written === undefined) return decision;
      const schema = commitSchema(metadata, written);
      if (schema.kind === 'conflict') {
        fence.kind = 'schema';
        return { kind: 'abort', reason: `${state.name}: ${schema.reason}` };
      }
      return schema.schema ? { ...decision, schema: schema.schema } : decision;
    },
  };
}

/** `started`: when the commit began; `filesDone`: when the batch's files were finished (performance.now()). */
function report(
  p: Prepared,
  outcome: TableOutcome,
  { started, filesDone }: { started: number; filesDone: number },
  deps: CommitBatchDeps,
): void {
  deps.tables.update(p.state, outcome.metadata);
  const name = p.state.name;
  if (outcome.kind === 'skipped') {
    if (p.table && p.table.rows > 0)
      deps.log.info(`batch already in ${name}; not committed again`, { table: name });
    return;
  }
  const rows = p.table?.rows ?? 0;
  const bytes = p.dataFiles.reduce((n, f) => n + f.fileSizeInBytes, 0);
  const seconds = (performance.now() - started) / 1000;
  deps.metrics.observeCommit(deps.connector, name, seconds, p.dataFiles.length, bytes);
  deps.metrics.recordsWritten(deps.connector, name, rows);
  deps.metrics.lastCommit(deps.connector, name, Date.now() / 1000);
  const changes = p.table?.writer.evolved ? p.table.writer.changes : undefined;
  if (changes) deps.metrics.schemaEvolution(deps.connector, name);
  const counts = p.table?.writer.changeCounts;
  if (counts) deps.metrics.rowChanges(deps.connector, name, counts);
  deps.log.info('committed', {
    connector: deps.connector,
    table: name,
    snapshotId: outcome.snapshotId.toString(),
    rows,
    files: p.dataFiles.length,
    bytes,
    seconds: Number(seconds.toFixed(3)),
    // of which finishing the batch's files (the encoder's last rows; a keyed batch's delete planning too); the rest is metadata and the catalog
    filesSeconds: Number(((filesDone - started) / 1000).toFixed(3)),
    ...(changes ? { schemaChanges: changes } : {}),
    ...(counts ? { inserts: counts.inserts, updates: counts.updates, deletes: counts.deletes } : {}),
  });
}
