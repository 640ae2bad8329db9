// FetchEpochs, case by case: a record is current only if its partition did not
// move (seek, assign, revoke) after the fetch that returned it started.
import { describe, expect, it } from 'vitest';
import { FetchEpochs } from '../../../src/worker/kafka/fetch-epochs.ts';
import type { KafkaRecord } from '../../../src/worker/kafka-types.ts';

const record = (topic: string, partition: number, offset: number): KafkaRecord => ({
  topic,
  partition,
  offset: BigInt(offset),
  timestampMs: -1,
  key: null,
  value: null,
  headers: [],
  sizeBytes: 0,
});

const tags = (records: readonly KafkaRecord[]) =>
  records.map((r) => `${r.topic}[${r.partition}]@${r.offset}`);

describe('FetchEpochs', () => {
  it('keeps every record, as the same array, when nothing moved since the fetch started', () => {
    const epochs = new FetchEpochs();
    epochs.moved([{ topic: 'a', partition: 0 }]);
    const ticket = epochs.ticket();
    const records = [record('a', 0, 5), record('a', 1, 7)];
    expect(epochs.current(records, ticket)).toBe(records);
  });

  it('drops the records of a partition sought after the fetch started, and only those', () => {
    const epochs = new FetchEpochs();
    const ticket = epochs.ticket();
    const records = [record('a', 0, 5), record('a', 0, 6), record('a', 1, 7), record('b', 0, 1)];
    epochs.moved([{ topic: 'a', partition: 0 }]);
    expect(tags(epochs.current(records, ticket))).toEqual(['a[1]@7', 'b[0]@1']);
  });

  it('keeps the records of a fetch started after the seek', () => {
    const epochs = new FetchEpochs();
    epochs.moved([{ topic: 'a', partition: 0 }]);
    const ticket = epochs.ticket();
    expect(tags(epochs.current([record('a', 0, 0)], ticket))).toEqual(['a[0]@0']);
  });

  it('judges each fetch by its own ticket: the prefetch is stale, the fetch after the seek is not', () => {
    const epochs = new FetchEpochs();
    const prefetch = epochs.ticket();
    epochs.moved([{ topic: 'a', partition: 0 }]);
    const afterSeek = epochs.ticket();
    expect(epochs.current([record('a', 0, 9)], prefetch)).toEqual([]);
    expect(tags(epochs.current([record('a', 0, 0)], afterSeek))).toEqual(['a[0]@0']);
  });

  it('drops records fetched before a revocation even after the partition is assigned again', () => {
    const epochs = new FetchEpochs();
    const ticket = epochs.ticket();
    const records = [record('a', 0, 5), record('a', 1, 7)];
    epochs.moved([{ topic: 'a', partition: 0 }]); // revoked
    epochs.moved([{ topic: 'a', partition: 0 }]); // assigned again at an offset floe chose
    expect(tags(epochs.current(records, ticket))).toEqual(['a[1]@7']);
  });

  it('remembers older moves: a later move of another partition does not make this one current', () => {
    const epochs = new FetchEpochs();
    const ticket = epochs.ticket();
    epochs.moved([{ topic: 'a', partition: 0 }]);
    epochs.moved([{ topic: 'a', partition: 1 }]);
    const records = [record('a', 0, 5), record('a', 1, 7), record('a', 2, 1)];
    expect(tags(epochs.current(records, ticket))).toEqual(['a[2]@1']);
  });

  it('tells topics apart: the same partition number of another topic stays current', () => {
    const epochs = new FetchEpochs();
    const ticket = epochs.ticket();
    epochs.moved([{ topic: 'a', partition: 0 }]);
    expect(tags(epochs.current([record('b', 0, 3)], ticket))).toEqual(['b[0]@3']);
  });

  it('ignores an empty move', () => {
    const epochs = new FetchEpochs();
    const ticket = epochs.ticket();
    epochs.moved([]);
    expect(epochs.ticket()).toBe(ticket);
  });
});
