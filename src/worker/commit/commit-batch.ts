// Commits one connector batch, one table at a time (docs/exactly-once.md):
// every table gets the batch's data files plus offsets for every partition the
// batch read, fenced against what the worker last saw of that table. A table
// that turns out to hold the batch already is reloaded; a fenced table aborts
// the whole batch, which the worker then re-reads from the tables' offsets.
import type { Catalog } from '../catalog/catalog.ts';
import { FloeError } from '../errors.ts';
import type { FileIO } from '../io/file-io.ts';
import type { Logger } from '../log.ts';
import { SnapshotProducer, type SnapshotProducerOptions } from '../sink/snapshot-producer.ts';
import { fenceBatch, type PartitionRange } from './batch-fence.ts';
import type { ConnectorBatch } from './connector-batch.ts';
import { committedOffsets, getOffset } from './table-offsets.ts';
import type { TableRegistry } from './table-registry.ts';
import type { WorkerMetrics } from './worker-metrics.ts';

/** The batch must not be committed: another worker owns (part of) its range now. */
export class FencedBatchError extends FloeError {}

export interface CommitBatchDeps {
  readonly connector: string;
  readonly catalog: Catalog;
  readonly io: FileIO;
  readonly tables: TableRegistry;
  readonly log: Logger;
  readonly metrics: WorkerMetrics;
  readonly producer?: SnapshotProducerOptions;
}

export async function commitConnectorBatch(batch: ConnectorBatch, deps: CommitBatchDeps): Promise<void> {
  const producer = new SnapshotProducer(deps.catalog, deps.io, { ...deps.producer, log: deps.log });
  for (const table of batch.tables.values()) {
    const started = performance.now();
    const dataFiles = await table.writer.finish();
    const ranges: PartitionRange[] = [...batch.ends.values()].map(({ topic, partition, end }) => ({
      topic,
      partition,
      expected: getOffset(table.state.offsets, topic, partition),
      end,
    }));
    const evolved = table.writer.evolved ? table.writer.schema : undefined;
    const result = await producer.append(table.state.id, {
      dataFiles,
      decide: (metadata) => {
        const decision = fenceBatch(deps.connector, committedOffsets(metadata, deps.connector), ranges);
        return decision.kind === 'commit' && evolved ? { ...decision, schema: evolved } : decision;
      },
    });
    if (result.kind === 'aborted') {
      throw new FencedBatchError(
        `connector ${deps.connector}: batch for ${table.state.name} not committed: ${result.reason}`,
        {
          connector: deps.connector,
          table: table.state.name,
        },
      );
    }
    if (result.kind !== 'committed') {
      const reloaded = await deps.tables.load(table.state.id);
      if (reloaded) deps.tables.update(table.state, reloaded.metadata);
      deps.log.info(`batch already in ${table.state.name}; not committed again`, { table: table.state.name });
      continue;
    }
    deps.tables.update(table.state, result.metadata);
    const bytes = dataFiles.reduce((n, f) => n + f.fileSizeInBytes, 0);
    const seconds = (performance.now() - started) / 1000;
    deps.metrics.observeCommit(deps.connector, table.state.name, seconds, dataFiles.length, bytes);
    deps.metrics.recordsWritten(deps.connector, table.state.name, table.rows);
    deps.metrics.lastCommit(deps.connector, table.state.name, Date.now() / 1000);
    if (evolved) deps.metrics.schemaEvolution(deps.connector, table.state.name);
    deps.log.info('committed', {
      connector: deps.connector,
      table: table.state.name,
      snapshotId: result.snapshotId.toString(),
      rows: table.rows,
      files: dataFiles.length,
      bytes,
      seconds: Number(seconds.toFixed(3)),
      ...(evolved ? { schemaChanges: table.writer.changes } : {}),
    });
  }
}
