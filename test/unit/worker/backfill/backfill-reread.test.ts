// A backfill whose batch is fenced because another engine changed the table's
// schema (took the field id the batch was written with) reads the batch again,
// like `floe run` does; only offsets moved by another writer stop it. Found by
// the simulation (seeds 1542, 1718, 2244, ... before the fix: "backfill stopped").
import { describe, expect, it } from 'vitest';
import type { Catalog, TableIdentifier } from '../../../../src/catalog/catalog.ts';
import { silentLogger } from '../../../../src/log.ts';
import { Backfill } from '../../../../src/worker/backfill/backfill.ts';
import type { AssignedConsumerApi, AssignedPoll } from '../../../../src/worker/backfill/backfill-consumer.ts';
import { silentProgress } from '../../../../src/worker/backfill/backfill-progress.ts';
import {
  type KafkaAdminApi,
  type KafkaRecord,
  partitionKey,
  type TopicPartitionOffset,
} from '../../../../src/worker/kafka-types.ts';
import { record, settings, stack, table } from '../../../support/in-process-connector.ts';

const events = table('events');

/** The topic `t` in memory, read by assignment, one partition per poll; `beforePoll` runs before each poll. */
function memoryConsumer(
  log: readonly KafkaRecord[][],
  beforePoll: (call: number) => Promise<void>,
): AssignedConsumerApi & { assigned: TopicPartitionOffset[][] } {
  const positions = new Map<number, bigint>();
  const paused = new Set<number>();
  let calls = 0;
  const assigned: TopicPartitionOffset[][] = [];
  return {
    assigned,
    connect: async () => {},
    disconnect: async () => {},
    assign(starts) {
      assigned.push([...starts]);
      positions.clear();
      paused.clear();
      for (const s of starts) positions.set(s.partition, s.offset);
    },
    pause(partitions) {
      for (const tp of partitions) paused.add(tp.partition);
    },
    async poll(): Promise<AssignedPoll> {
      await beforePoll(++calls);
      const records: KafkaRecord[] = [];
      const endOfPartition: TopicPartitionOffset[] = [];
      for (const [partition, position] of positions) {
        const all = log[partition]!;
        if (paused.has(partition) || position >= BigInt(all.length)) continue;
        records.push(...all.filter((r) => r.offset >= position));
        positions.set(partition, BigInt(all.length));
        endOfPartition.push({ topic: 't', partition, offset: BigInt(all.length) });
        break;
      }
      return { records, endOfPartition };
    },
  };
}

function memoryAdmin(log: readonly KafkaRecord[][]): KafkaAdminApi {
  return {
    connect: async () => {},
    disconnect: async () => {},
    createTopic: async () => {},
    deleteTopic: async () => {},
    listTopics: async () => ['t'],
    fetchTopicOffsets: async () =>
      log.map((l, partition) => ({ partition, low: 0n, high: BigInt(l.length) })),
    offsetsForTimes: async () => log.map((l, partition) => ({ partition, offset: BigInt(l.length) })),
  };
}

/** Another engine adds a column with the next free field id. */
async function addColumnElsewhere(catalog: Catalog, id: TableIdentifier): Promise<void> {
  const { metadata } = await catalog.loadTable(id);
  const base = metadata.schemas.find((s) => s.schemaId === metadata.currentSchemaId)!;
  const next = metadata.lastColumnId + 1;
  await catalog.commitTable(
    id,
    [{ type: 'assert-last-assigned-field-id', lastAssignedFieldId: metadata.lastColumnId }],
    [
      {
        action: 'add-schema',
        schema: {
          ...base,
          schemaId: base.schemaId + 1,
          fields: [...base.fields, { id: next, name: 'engine_col', required: false, type: { kind: 'int' } }],
        },
        lastColumnId: next,
      },
      { action: 'set-current-schema', schemaId: -1 },
    ],
  );
}

// Partition 0: a first commit's worth, then records with a new field `z`; partition 1: plain.
const log: KafkaRecord[][] = [
  Array.from({ length: 8 }, (_, o) =>
    record(0, o, o < 4 ? { id: o, kind: 'a' } : { id: o, kind: 'a', z: 'z' }),
  ),
  Array.from({ length: 5 }, (_, o) => record(1, o, { id: 100 + o, kind: 'b' })),
];

describe('backfill: a batch fenced by a schema change is read again', () => {
  it('lands every record once and completes', async () => {
    const s = stack();
    const connector = s.runtime(settings('schemaless', { kind: 'single', table: events }));
    // The first poll's records create the table; the engine's column lands before the commit.
    const consumer = memoryConsumer(log, async (call) => {
      if (call === 2) await addColumnElsewhere(s.catalog, events);
    });
    const backfill = new Backfill({
      connector,
      admin: memoryAdmin(log),
      consumer,
      from: { kind: 'earliest' },
      until: { kind: 'now' },
      maxBufferedBytes: 1 << 30,
      log: silentLogger,
      progress: silentProgress,
    });
    const result = await backfill.run(new AbortController().signal);

    expect(result.outcome).toBe('completed');
    expect(await s.rows(events)).toBe(13);
    expect(await s.offsets(events, 'schemaless')).toEqual(
      new Map([
        [0, 8n],
        [1, 5n],
      ]),
    );
    // Assigned twice: at the start, and again from where the tables were after the dropped batch.
    expect(
      consumer.assigned.map((a) => a.map((s) => `${partitionKey(s.topic, s.partition)}@${s.offset}`)),
    ).toEqual([
      ['t:0@0', 't:1@0'],
      ['t:0@0', 't:1@0'],
    ]);
  });
});
