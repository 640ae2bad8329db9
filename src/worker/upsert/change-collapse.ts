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
// partition holds the key live (then it is an ordinary delete), the key is
// not this record's where another partition holds it, and the probe is a
// no-op there; a probe kept without a row of its own yields to a later change
// of another partition. A truncate drops the batch's earlier changes of its
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
  /** A probe (a fanned-out delete) of a key another partition holds: a no-op in this table. */
  | { readonly kind: 'elsewhere' };

/** Another partition (of any topic) that holds the key outside this batch (the key index of the worker's partitions). */
export type KeyOwner = (
  key: string,
  at: ChangeLocation,
) => { readonly topic: string; readonly partition: number } | undefined;

/** Whether the change's own partition holds the key live outside this batch (its part of the key index). */
export type KeyHolder = (key: string, at: ChangeLocation) => boolean;

export class ChangeCollapser {
  readonly #byKey = new Map<string, KeyedChange>();
  readonly #truncates: ChangeLocation[] = [];
  readonly #owner: KeyOwner | undefined;
  readonly #holds: KeyHolder | undefined;
  #stale = 0;

  constructor(owner?: KeyOwner, holds?: KeyHolder) {
    this.#owner = owner;
    this.#holds = holds;
  }

  /** Adds the next change; changes of one partition must come in offset order. */
  add(next: Change): AddOutcome {
    if (next.kind === 'truncate') {
      this.#truncate(next.location);
      return { kind: 'kept' };
    }
    const here = next.location;
    const mapKey = next.key;
    // A probe of a key its own partition holds is that partition's delete. The
    // index does not change within a batch: a kept probe never becomes one.
    const change: KeyedChange =
      next.kind === 'delete' && next.probe === true && this.#holds?.(next.key, here) === true
        ? { ...next, probe: false }
        : next;
    const probe = isProbe(change);
    let earlier = this.#byKey.get(mapKey);
    // An earlier probe of another partition found no row of its own: it yields.
    const yielding = earlier !== undefined && !samePartition(earlier.location, here);
    if (yielding) {
      if (probe) return { kind: 'elsewhere' };
      if (!isProbe(earlier!)) {
        return { kind: 'error', error: keyInTwoPartitions(change, describeLocation(earlier!.location)) };
      }
    }
    const owner = earlier === undefined || yielding ? this.#owner?.(change.key, here) : undefined;
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
