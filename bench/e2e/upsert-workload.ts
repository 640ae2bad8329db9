// The upsert shape's workload (docs/benchmarks.md, "Upsert shape"): keyed
// reference-shape records (Kafka key = the id as text, partition = id mod the
// partition count, so a key lives in one partition) in two phases:
// - load: N inserts, ids 0..N-1 in order;
// - changes: C changes, each drawn independently: 10% an update of a live key,
//   1% a delete (tombstone) of a live key, 89% an insert of a new key (the next
//   id after the highest so far); live keys are picked uniformly.
// Deterministic (seeded), so the bench knows the live key count a replay of
// the stream ends with, and what every change is.
import { confluentHeader } from '../../src/codec/wire-format.ts';
import type { ProducerRecord } from '../../src/worker/kafka-types.ts';
import { encodeReferenceRecord } from './record-shapes.ts';

export const UPDATE_SHARE = 0.1;
export const DELETE_SHARE = 0.01;

export interface ChangeCounts {
  inserts: number;
  updates: number;
  deletes: number;
}

/** The live key set of a replay of the stream, and a seeded generator of the next change. */
export class UpsertWorkload {
  readonly #partitions: number;
  readonly #header: Uint8Array;
  /** Live ids, unordered: [0, #live) are live. */
  readonly #ids: Uint32Array;
  #live = 0;
  #nextId = 0;
  #changes = 0;
  #seed: number;

  constructor(capacity: number, partitions: number, schemaId: number, seed = 20_261_206) {
    this.#ids = new Uint32Array(capacity);
    this.#partitions = partitions;
    this.#header = Buffer.from(confluentHeader(schemaId));
    this.#seed = seed >>> 0;
  }

  /** Keys a replay of everything made so far holds. */
  get liveKeys(): number {
    return this.#live;
  }

  /** An insert of a new key. */
  insert(): ProducerRecord {
    if (this.#live >= this.#ids.length) throw new Error('upsert workload: more keys than its capacity');
    const id = this.#nextId++;
    this.#ids[this.#live++] = id;
    return this.#upsert(id);
  }

  /** A change of the changes phase; `counts` tallies its kind. */
  change(counts: ChangeCounts): ProducerRecord {
    const draw = this.#random() / 2 ** 32;
    if (this.#live === 0 || draw >= UPDATE_SHARE + DELETE_SHARE) {
      counts.inserts++;
      return this.insert();
    }
    const slot = this.#random() % this.#live;
    const id = this.#ids[slot]!;
    if (draw < UPDATE_SHARE) {
      counts.updates++;
      return this.#upsert(id);
    }
    counts.deletes++;
    this.#ids[slot] = this.#ids[--this.#live]!;
    this.#changes++;
    return { key: Buffer.from(String(id)), value: null, partition: id % this.#partitions };
  }

  #upsert(id: number): ProducerRecord {
    // The record's other fields come from the change's number: an update changes them.
    const value = Buffer.concat([this.#header, encodeReferenceRecord(id, this.#changes++)]);
    return { key: Buffer.from(String(id)), value, partition: id % this.#partitions };
  }

  /** xorshift32. */
  #random(): number {
    let x = this.#seed;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.#seed = x >>> 0;
    return this.#seed;
  }
}
