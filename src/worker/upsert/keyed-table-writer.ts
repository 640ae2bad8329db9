// One table's part of a keyed batch (docs/upsert.md, "Wiring"): changes are
// collapsed to the last per key as they arrive (rows held in memory until the
// commit, bounded by the connector's commit size), and at commit planned
// against the key index: the surviving rows are written one data file set per
// Kafka partition, named with the partition's attribution suffix, each row's
// (file, position) noted; every data file the plan deletes from gets a
// position-delete file (v2) or a deletion vector merged with its live one (v3,
// row-delta.ts: writeRowDeltaDeletes); the index updates are staged and applied only when
// the commit landed (afterCommit), discarded otherwise (abort).
import { crashPoint } from '../../crash-points.ts';
import type { DataFile } from '../../iceberg/data-file.ts';
import { defaultSpec, type TableMetadata } from '../../iceberg/table-metadata.ts';
import type { Schema } from '../../iceberg/types.ts';
import { type FileIO, isNotFound } from '../../io/file-io.ts';
import { writeRowDeltaDeletes } from '../../sink/row-delta.ts';
import { dataDirectory } from '../../sink/table-paths.ts';
import { TableWriter } from '../../sink/table-writer.ts';
import { FencedBatchError } from '../commit/commit-batch.ts';
import type { CommitOffsets, TableBatchWriter } from '../commit/connector-batch.ts';
import type { Change } from './change.ts';
import { type AddOutcome, ChangeCollapser } from './change-collapse.ts';
import { attributedFileSuffix } from './file-attribution.ts';
import { followCommitFiles } from './index-sources.ts';
import type { IndexStage, TableKeyIndex } from './key-index.ts';
import { planRowDelta, type RowDeltaCounts, stageIndex } from './row-delta-plan.ts';
import { SchemaFold } from './schema-fold.ts';

export interface KeyedTableWriterOptions {
  readonly io: FileIO;
  readonly name: string;
  /** The table as the batch started: its schema, spec, properties, folders. */
  readonly metadata: () => TableMetadata;
  readonly schema: Schema;
  readonly lastColumnId: number;
  readonly index: TableKeyIndex;
  readonly evolve: boolean;
  readonly maxFileBytes?: number | undefined;
}

/** Rows written between checks for files that reached the size target. */
const ROLL_EVERY = 20_000;

export class KeyedTableWriter implements TableBatchWriter {
  readonly #options: KeyedTableWriterOptions;
  readonly #fold: SchemaFold;
  readonly #collapser: ChangeCollapser;
  readonly #writers: TableWriter[] = [];
  #stages: IndexStage[] = [];
  #bufferedBytes = 0;
  #counts: RowDeltaCounts | undefined;
  #replaced: readonly DataFile[] = [];
  /** The data and delete files finish() wrote: once committed, the index parts' sources. */
  #written: readonly DataFile[] = [];

  constructor(options: KeyedTableWriterOptions) {
    this.#options = options;
    this.#fold = new SchemaFold(options.schema, options.lastColumnId, options.evolve);
    this.#collapser = new ChangeCollapser(options.index);
  }

  get schema(): Schema {
    return this.#fold.schema;
  }

  get evolved(): boolean {
    return this.#fold.evolved;
  }

  get changes(): readonly string[] {
    return this.#fold.changes;
  }

  /** Bytes of the records whose changes are held (the rows are kept until the commit). */
  get bufferedBytes(): number {
    return this.#bufferedBytes;
  }

  get changeCounts(): RowDeltaCounts | undefined {
    return this.#counts;
  }

  /** v3: the live deletion vectors the batch's vectors were merged with (the commit removes them). */
  get replacedDeleteFiles(): readonly DataFile[] {
    return this.#replaced;
  }

  /**
   * The next change (of one partition, in offset order). A row's record schema
   * is folded in first: an IncompatibleSchemaError leaves the batch unchanged.
   */
  add(change: Change, recordSchema: Schema | undefined, bytes: number): AddOutcome {
    if (recordSchema !== undefined) this.#fold.add(recordSchema);
    const outcome = this.#collapser.add(change);
    if (outcome.kind === 'kept') this.#bufferedBytes += bytes;
    return outcome;
  }

  async finish(): Promise<DataFile[]> {
    const { io, index } = this.#options;
    const metadata = this.#options.metadata();
    const plan = planRowDelta(this.#collapser.changes(), this.#collapser.truncates(), index);
    const written: Array<{ file: string; position: number }> = new Array(plan.rows.length);
    const byPartition = new Map<string, number[]>();
    plan.rows.forEach((row, i) => {
      const key = `${row.location.partition}:${row.location.topic}`;
      const list = byPartition.get(key);
      if (list === undefined) byPartition.set(key, [i]);
      else list.push(i);
    });
    const files: DataFile[] = [];
    for (const rows of byPartition.values()) {
      const { topic, partition } = plan.rows[rows[0]!]!.location;
      const writer = this.#writer(metadata, attributedFileSuffix(topic, partition));
      for (const [n, i] of rows.entries()) {
        const pending = writer.append(plan.rows[i]!.row, (file, position) => {
          written[i] = { file, position };
        });
        if (pending !== undefined) await pending;
        if ((n + 1) % ROLL_EVERY === 0) await writer.rollFull();
      }
      files.push(...(await writer.finish()));
    }
    if (plan.positionDeletes.size > 0) {
      const deletes = await writeRowDeltaDeletes(io, metadata, plan.positionDeletes).catch(
        (error: unknown) => {
          if (!isNotFound(error)) throw error;
          // main moved on since the batch began and a snapshot expiry deleted the files of
          // the snapshot it planned on: the index may be behind too, rebuilt with a re-read.
          throw new FencedBatchError(
            `${this.#options.name}: a file of the snapshot the batch planned its deletes on is gone (expired meanwhile?): ${(error as Error).message}`,
            'deletes',
            { table: this.#options.name },
          );
        },
      );
      if (deletes.gone.length > 0) {
        // The index is behind the table: it is rebuilt and the batch read again.
        throw new FencedBatchError(
          `${this.#options.name}: the key index points at ${deletes.gone[0]}, which is no longer live (rewritten by another writer?)`,
          'deletes',
          { table: this.#options.name },
        );
      }
      files.push(...deletes.deleteFiles);
      this.#replaced = deletes.replacedDeleteFiles;
    }
    crashPoint('after-row-delta-write');
    this.#stages = stageIndex(plan, index, written);
    this.#counts = plan.counts;
    this.#written = files;
    return files;
  }

  afterCommit(landed: boolean, offsets?: CommitOffsets): void {
    const stages = this.#stages;
    this.#stages = [];
    for (const stage of stages) {
      if (landed) stage.commit();
      else stage.discard();
    }
    if (landed) followCommitFiles(this.#options.index, this.#written, this.#replaced);
    this.#written = [];
    if (offsets !== undefined) this.#options.index.followCommit(offsets.before, offsets.after);
  }

  abort(): void {
    for (const writer of this.#writers) writer.abort();
    this.afterCommit(false);
  }

  #writer(metadata: TableMetadata, fileSuffix: string): TableWriter {
    const writer = new TableWriter({
      io: this.#options.io,
      schema: this.#fold.schema,
      spec: defaultSpec(metadata),
      properties: metadata.properties,
      dataDirectory: dataDirectory(metadata),
      fileSuffix,
      ...(this.#options.maxFileBytes === undefined ? {} : { maxFileBytes: this.#options.maxFileBytes }),
    });
    this.#writers.push(writer);
    return writer;
  }
}
