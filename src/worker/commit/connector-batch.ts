// What one connector has read since its last commit: per partition where the
// reading began and ended (the fence checks both), and per target table the
// writer holding the rows and which partitions put rows there.
import type { DataFile } from '../../iceberg/data-file.ts';
import type { Schema } from '../../iceberg/types.ts';
import { partitionKey } from '../kafka-types.ts';
import type { TableState } from '../table-registry.ts';
import type { RowDeltaCounts } from '../upsert/row-delta-plan.ts';
import type { OffsetMap } from './table-offsets.ts';

export interface PartitionRead {
  readonly topic: string;
  readonly partition: number;
  /**
   * The position the batch's reading began at (on first contact, from the group
   * offset, its first record): where a dropped batch is read again.
   */
  readonly from: bigint;
  /** Next offset after the last record accounted for. */
  end: bigint;
  /** Ranges [from, to) deleted by retention before they were read. */
  readonly lost: Array<{ readonly from: bigint; readonly to: bigint }>;
}

/**
 * What holds a table's part of the batch: the append path's EvolvingTableWriter,
 * or the keyed modes' KeyedTableWriter (upsert/keyed-table-writer.ts).
 */
export interface TableBatchWriter {
  /** The schema rows are written with; differs from the table's when `evolved`. */
  readonly schema: Schema;
  readonly evolved: boolean;
  /** Human descriptions of the schema changes made in this batch. */
  readonly changes: readonly string[];
  readonly bufferedBytes: number;
  /** The files to commit: data files, and a row delta's position-delete files (content 1). */
  finish(): Promise<DataFile[]>;
  /** The batch is discarded or its commit failed: drop what is open, keep nothing staged. */
  abort(): void;
  /**
   * The commit landed (true) or the table was skipped (false); keyed: the key
   * index follows. `offsets`: what the table recorded for the connector right
   * before the commit (as the fence saw it) and after it.
   */
  afterCommit?(landed: boolean, offsets?: CommitOffsets): void;
  /** Keyed: inserts, updates, deletes of the batch (after finish). */
  readonly changeCounts?: RowDeltaCounts | undefined;
  /** Keyed on v3 (after finish): the live deletion vectors the new ones were merged with, removed by the commit. */
  readonly replacedDeleteFiles?: readonly DataFile[];
}

/** A table's offsets for the connector around one commit (TableBatchWriter.afterCommit). */
export interface CommitOffsets {
  readonly before: OffsetMap;
  readonly after: OffsetMap;
}

export interface TableBatch<W extends TableBatchWriter = TableBatchWriter> {
  readonly state: TableState;
  readonly writer: W;
  rows: number;
  /** Partition keys (`topic:partition`) with rows in this table. */
  readonly sources: Set<string>;
}

export class ConnectorBatch {
  readonly startedAtMs: number;
  /** When the runtime last handled a record of this batch (commit.idleMs). */
  lastRecordAtMs: number;
  records = 0;
  bytes = 0;
  readonly reads = new Map<string, PartitionRead>();
  readonly tables = new Map<string, TableBatch>();

  constructor(startedAtMs: number) {
    this.startedAtMs = startedAtMs;
    this.lastRecordAtMs = startedAtMs;
  }

  /**
   * The records of a partition from `first` to `last` (`count` of them, `bytes`
   * in all) are accounted for (written, skipped or dead-lettered); `from` is
   * where the reading stood before them, `lost` what retention took in between.
   */
  advance(
    topic: string,
    partition: number,
    span: { from: bigint; last: bigint; lost?: { readonly from: bigint; readonly to: bigint } | undefined },
    bytes: number,
    count: number,
  ): void {
    const key = partitionKey(topic, partition);
    let read = this.reads.get(key);
    if (read === undefined) {
      read = { topic, partition, from: span.from, end: span.last + 1n, lost: [] };
      this.reads.set(key, read);
    } else if (span.last + 1n > read.end) read.end = span.last + 1n;
    if (span.lost) read.lost.push(span.lost);
    this.records += count;
    this.bytes += bytes;
  }

  /** Drops the files still open (the batch is discarded or its commit failed). */
  abandon(): void {
    for (const table of this.tables.values()) table.writer.abort();
  }

  bufferedBytes(): number {
    let bytes = 0;
    for (const table of this.tables.values()) bytes += table.writer.bufferedBytes;
    return bytes;
  }
}
