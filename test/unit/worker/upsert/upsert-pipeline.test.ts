// The pre-commit pipeline over many batches, on a real LMDB store and real
// Parquet files: changes -> collapse -> plan against the key index -> "commit"
// (a data file of the batch's rows, the plan's position deletes) -> staged index
// updates applied, or discarded when the commit is aborted (the batch is then
// read again). After every seed: the table's live rows equal a replay of the
// changes in a dictionary (order.by honoured), and a rebuild from the table's
// files gives the same index as the one kept up to date batch by batch.
import { describe, expect, it } from 'vitest';
import type { NestedField, Row, Schema } from '../../../../src/iceberg/types.ts';
import { primitive } from '../../../../src/iceberg/types.ts';
import { writeParquetDataFile } from '../../../../src/parquet/parquet-data-file-writer.ts';
import { DEFAULT_PARQUET_WRITE_PROPERTIES } from '../../../../src/parquet/parquet-write-properties.ts';
import { supersedes } from '../../../../src/worker/upsert/change.ts';
import { ChangeCollapser } from '../../../../src/worker/upsert/change-collapse.ts';
import { KeyEncoder } from '../../../../src/worker/upsert/change-key.ts';
import { attributedFileSuffix } from '../../../../src/worker/upsert/file-attribution.ts';
import { PartitionKeyIndex, TableKeyIndex } from '../../../../src/worker/upsert/key-index.ts';
import { rebuildPartitionIndex } from '../../../../src/worker/upsert/key-index-rebuild.ts';
import { upsertChange } from '../../../../src/worker/upsert/record-change.ts';
import { planRowDelta, stageIndex } from '../../../../src/worker/upsert/row-delta-plan.ts';
import { Rng } from '../../../sim/rng.ts';
import { useTempKeyStores } from './temp-key-stores.ts';

const id: NestedField = { id: 1, name: 'id', required: true, type: primitive('long') };
const version: NestedField = { id: 3, name: 'version', required: true, type: primitive('long') };
const schema: Schema = {
  schemaId: 0,
  identifierFieldIds: [1],
  fields: [id, { id: 2, name: 'v', required: true, type: primitive('string') }, version],
};
const keys = new KeyEncoder([id]);

const keyStores = useTempKeyStores();

interface TableFile {
  readonly path: string;
  readonly bytes: Uint8Array;
  readonly rows: readonly Row[];
  readonly deleted: Set<number>;
}

describe.each([
  ['offset order', false],
  ['order.by', true],
])('upsert pipeline (%s)', (_name, ordered) => {
  it.each([1, 2, 3, 4, 5])(
    'seed %i: the table equals the replay, and a rebuild equals the kept index',
    async (seed) => {
      const rng = new Rng(seed * 7919 + (ordered ? 1 : 0));
      const rules = {
        keys,
        keyFromValue: true,
        tombstones: 'ignore' as const,
        orderBy: ordered ? 'version' : undefined,
      };
      const index = new TableKeyIndex();
      const partition = new PartitionKeyIndex('t:0', keyStores().openFresh('t:0'));
      index.set('t', 0, partition);
      const files: TableFile[] = [];
      const replay = new Map<string, { row: Row; order: bigint | undefined }>();
      const deletedAt = new Map<string, bigint | undefined>();
      let offset = 0;
      for (let batchNo = 0; batchNo < 12; batchNo++) {
        const records: Array<{ row: Row | null; id: bigint; offset: number }> = [];
        for (let i = 0; i < 60; i++) {
          const key = BigInt(rng.int(80));
          const v = BigInt(rng.int(1000));
          records.push({
            id: key,
            row: rng.chance(0.15) ? null : { id: key, v: `b${batchNo}-${i}`, version: v },
            offset: offset++,
          });
        }
        const aborted = rng.chance(0.2);
        for (const attempt of aborted ? ['aborted', 'retried'] : ['committed']) {
          const collapser = new ChangeCollapser(index);
          for (const record of records) {
            const at = { topic: 't', partition: 0, offset: BigInt(record.offset) };
            const change = upsertChange(record.row, () => ({ id: record.id }), at, rules);
            expect(collapser.add(change).kind).not.toBe('error');
          }
          const plan = planRowDelta(collapser.changes(), collapser.truncates(), index);
          const path = `data/${batchNo}-${attempt}${attributedFileSuffix('t', 0)}`;
          const rows = plan.rows.map((r) => r.row);
          const stages = stageIndex(
            plan,
            index,
            rows.map((_, position) => ({ file: path, position })),
          );
          if (attempt === 'aborted') {
            for (const stage of stages) stage.discard();
            continue;
          }
          for (const [file, positions] of plan.positionDeletes) {
            const target = files.find((f) => f.path === file)!;
            for (const position of positions) {
              expect(target.deleted.has(position)).toBe(false); // a live row is deleted once
              target.deleted.add(position);
            }
          }
          if (rows.length > 0) {
            const bytes = writeParquetDataFile(schema, rows, DEFAULT_PARQUET_WRITE_PROPERTIES).bytes;
            files.push({ path, bytes, rows, deleted: new Set() });
          }
          for (const stage of stages) stage.commit();
        }
        // the dictionary replay of the batch
        for (const record of records) {
          const key = keys.fromRow({ id: record.id });
          const order = record.row === null || !ordered ? undefined : (record.row.version as bigint);
          const current = replay.get(key);
          const prior = current ?? (deletedAt.has(key) ? { order: deletedAt.get(key) } : undefined);
          if (prior !== undefined && !supersedes({ order }, prior)) continue;
          if (record.row === null) {
            replay.delete(key);
            deletedAt.set(key, undefined);
          } else {
            replay.set(key, { row: record.row, order });
            deletedAt.delete(key);
          }
        }
      }
      const live = new Map<string, Row>();
      for (const file of files) {
        file.rows.forEach((row, position) => {
          if (file.deleted.has(position)) return;
          const key = keys.fromRow(row);
          expect(live.has(key), `key ${key} live twice`).toBe(false);
          live.set(key, row);
        });
      }
      expect(new Map([...live].sort())).toEqual(
        new Map([...replay].map(([k, v]) => [k, v.row] as const).sort()),
      );

      const rebuilt = new PartitionKeyIndex('t:0', keyStores().openFresh('rebuilt'));
      const stats = await rebuildPartitionIndex(rebuilt, {
        files: files.map((f) => ({ path: f.path, deleted: f.deleted })),
        keyFields: [id],
        orderField: ordered ? version : undefined,
        read: async (path) => files.find((f) => f.path === path)!.bytes,
      });
      expect(stats.keys).toBe(replay.size);
      for (const key of replay.keys()) {
        const kept = partition.lookup(key);
        expect(rebuilt.lookup(key), key).toEqual(kept);
      }
    },
  );
});
