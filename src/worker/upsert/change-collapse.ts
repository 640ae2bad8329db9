// A batch's changes collapsed to the last per key, before anything is written:
// an upsert followed by a delete of the same key writes nothing, two updates
// write one row. "Last" is by offset within a partition, or by the `order.by`
// value (change.ts, supersedes): an older change arriving later is dropped.
//
// A key lives in one Kafka partition (the topic is keyed by it, as Debezium
// does); a key arriving from a second partition, of its topic or of another
// topic feeding the same table, cannot be ordered against the first and is a
// record error for the error policy, naming both places. A delete fanned out
// to every table of a route (a probe) is the exception: unless its own
// partition holds the key live (then it is an ordinary delete), it is a no-op
// where it would find no row, or where another partition holds the key (the
// key is not this record's); a probe kept without a row of its own (it would
// delete a row of the shared part) yields to a later change of another
// partition. A truncate drops the batch's earlier changes of its
// topic and partition and is handed on, so that the table's rows of the topic
// go too.
import { RecordError } from '../../errors.ts';
import {
  type Change,
  type ChangeLocation,
  describeLocation,
  type KeyedChange,
  supersedes,
} from './change.ts';

export type AddOutcome =
  | { readonly kind: 'kept' }
  /** The key already has a newer change (order.by): this one is dropped. */
  | { readonly kind: 'stale' }
  /** For the error policy: the key belongs to another partition. */
  | { readonly kind: 'error'; readonly error: RecordError }
  /** A probe (a fanned-out delete) that finds no row, or meets another partition's key: a no-op in this table. */
  | { readonly kind: 'elsewhere' };

/** Another partition (of any topic) that holds the key outside this batch (the key index of the worker's partitions). */
export type KeyOwner = (
  key: string,
  at: ChangeLocation,
) => { readonly topic: string; readonly partition: number } | undefined;

/** A question about a key, asked for a change at `at`, of the index as it was before the batch. */
export type KeyQuestion = (key: string, at: ChangeLocation) => boolean;

/** What the key index of the worker's partitions knows (key-index.ts TableKeyIndex); absent: nothing. */
export interface KeyPlaces {
  readonly owner?: KeyOwner;
  /** The change's own partition part holds the key live. */
  readonly holds?: KeyQuestion;
  /** A delete of the change's partition would find a live row: its part, else the shared part (row-delta-plan.ts). */
  readonly finds?: KeyQuestion;
}

export class ChangeCollapser {
  readonly #byKey = new Map<string, KeyedChange>();
  readonly #truncates: ChangeLocation[] = [];
  readonly #index: KeyPlaces;
  #stale = 0;

  constructor(index: KeyPlaces = {}) {
    this.#index = index;
  }

  /** Adds the next change; changes of one partition must come in offset order. */
  add(next: Change): AddOutcome {
    if (next.kind === 'truncate') {
      this.#truncate(next.location);
      return { kind: 'kept' };
    }
    const here = next.location;
    const mapKey = next.key;
    const { owner: ownerOf, holds, finds } = this.#index;
    // A probe of a key its own partition holds is that partition's delete. The
    // index does not change within a batch: a kept probe never becomes one.
    const change: KeyedChange =
      next.kind === 'delete' && next.probe === true && holds?.(next.key, here) === true
        ? { ...next, probe: false }
        : next;
    const probe = isProbe(change);
    let earlier = this.#byKey.get(mapKey);
    // An earlier probe of another partition holds no row of its own: it yields.
    const yielding = earlier !== undefined && !samePartition(earlier.location, here);
    // A probe that would find no row (and deletes nothing of its partition's batch), or
    // meets the key's change from another partition, is a no-op.
    if (probe && earlier === undefined && finds?.(change.key, here) === false) return { kind: 'elsewhere' };
    if (yielding) {
      if (probe) return { kind: 'elsewhere' };
      if (!isProbe(earlier!)) {
        return { kind: 'error', error: keyInTwoPartitions(change, describeLocation(earlier!.location)) };
      }
    }
    const owner = earlier === undefined || yielding ? ownerOf?.(change.key, here) : undefined;
    if (owner !== undefined && !samePartition(owner, here)) {
      if (probe) return { kind: 'elsewhere' };
      return {
        kind: 'error',
        error: keyInTwoPartitions(change, `${owner.topic}[${owner.partition}], in the key index`),
      };
    }
    if (yielding) {
      this.#byKey.delete(mapKey);
      earlier = undefined;
    }
    if (earlier !== undefined && !supersedes(change, earlier)) {
      this.#stale++;
      return { kind: 'stale' };
    }
    // Re-inserted so that iteration keeps the order of the last change per key.
    // An upsert after a delete (or after an upsert that followed one) in this batch
    // is not ordered against the table's row: the delete removed it.
    this.#byKey.delete(mapKey);
    const afterDelete =
      change.kind === 'upsert' &&
      earlier !== undefined &&
      (earlier.kind === 'delete' || earlier.afterDelete === true);
    this.#byKey.set(mapKey, afterDelete ? { ...change, afterDelete } : change);
    return { kind: 'kept' };
  }

  /** The surviving change per key, by topic, partition and offset. */
  changes(): KeyedChange[] {
    return [...this.#byKey.values()].sort(byLocation);
  }

  /** The truncates of the batch, in the order they came. */
  truncates(): readonly ChangeLocation[] {
    return this.#truncates;
  }

  /** Changes dropped because the key already had a newer one. */
  get staleCount(): number {
    return this.#stale;
  }

  get size(): number {
    return this.#byKey.size;
  }

  #truncate(at: ChangeLocation): void {
    for (const [mapKey, change] of this.#byKey) {
      const where = change.location;
      if (where.topic === at.topic && where.partition === at.partition) this.#byKey.delete(mapKey);
    }
    this.#truncates.push(at);
  }
}

function isProbe(change: KeyedChange): boolean {
  return change.kind === 'delete' && change.probe === true;
}

function samePartition(
  a: { readonly topic: string; readonly partition: number },
  b: { readonly topic: string; readonly partition: number },
): boolean {
  return a.topic === b.topic && a.partition === b.partition;
}

function byLocation(a: KeyedChange, b: KeyedChange): number {
  const x = a.location;
  const y = b.location;
  if (x.topic !== y.topic) return x.topic < y.topic ? -1 : 1;
  if (x.partition !== y.partition) return x.partition - y.partition;
  return x.offset < y.offset ? -1 : x.offset > y.offset ? 1 : 0;
}

function keyInTwoPartitions(change: KeyedChange, elsewhere: string): RecordError {
  const here = change.location;
  return new RecordError(
    `${describeLocation(here)}: key ${change.key} is also in another partition (${elsewhere}); upsert needs each key in one partition: key the topic by it (docs/upsert.md)`,
    {
      topic: here.topic,
      partition: here.partition,
      offset: here.offset.toString(),
      key: change.key,
      reason: 'key-in-two-partitions',
    },
  );
}
