// What one connector has read since its last commit: per partition the end of
// the range, and per target table the writer holding the rows.

import type { EvolvingTableWriter } from '../sink/evolving-table-writer.ts';
import type { TableState } from './table-registry.ts';

export interface PartitionEnd {
  readonly topic: string;
  readonly partition: number;
  end: bigint;
}

export interface TableBatch {
  readonly state: TableState;
  readonly writer: EvolvingTableWriter;
  rows: number;
}

export class ConnectorBatch {
  readonly startedAtMs: number;
  records = 0;
  bytes = 0;
  readonly ends = new Map<string, PartitionEnd>();
  readonly tables = new Map<string, TableBatch>();

  constructor(startedAtMs: number) {
    this.startedAtMs = startedAtMs;
  }

  /** The records up to `offset` (`count` of them, `bytes` in all) are accounted for (written, skipped or dead-lettered). */
  advance(topic: string, partition: number, offset: bigint, bytes: number, count = 1): void {
    const key = `${topic}:${partition}`;
    const range = this.ends.get(key);
    if (range === undefined) this.ends.set(key, { topic, partition, end: offset + 1n });
    else if (offset + 1n > range.end) range.end = offset + 1n;
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
