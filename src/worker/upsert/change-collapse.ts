// A batch's changes collapsed to the last per key, before anything is written:
// an upsert followed by a delete of the same key writes nothing, two updates
// write one row. "Last" is by offset within a partition, or by the `order.by`
// value (change.ts, supersedes): an older change arriving later is dropped.
//
// A key lives in one Kafka partition (the topic is keyed by it, as Debezium
// does); a key arriving from a second partition, of its topic or of another
// topic feeding the same table, cannot be ordered against the first and is a
// record error for the error policy, naming both places. A delete fanned out
// to every table of a route (a probe) is the exception: where another
// partition holds its key it is not this partition's key, and the probe is a
// no-op there; a probe that found nothing of its own yields to a later change
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

export class ChangeCollapser {
  readonly #byKey = new Map<string, KeyedChange>();
  readonly #truncates: ChangeLocation[] = [];
  readonly #owner: KeyOwner | undefined;
  #stale = 0;

  constructor(owner?: KeyOwner) {
    this.#owner = owner;
  }

  /** Adds the next change; changes of one partition must come in offset order. */
  add(change: Change): AddOutcome {
    if (change.kind === 'truncate') {
      this.#truncate(change.location);
      return { kind: 'kept' };
    }
    const here = change.location;
    const mapKey = change.key;
    let earlier = this.#byKey.get(mapKey);
    if (earlier !== undefined && !samePartition(earlier.location, here)) {
      if (isProbe(change)) return { kind: 'elsewhere' };
      if (!isProbe(earlier)) {
        return { kind: 'error', error: keyInTwoPartitions(change, describeLocation(earlier.location)) };
      }
    }
    // An earlier probe of another partition holds the key only if the index says
    // its partition does (then the owner below names it); otherwise it yields.
    const yielding = earlier !== undefined && !samePartition(earlier.location, here);
    const owner = earlier === undefined || yielding ? this.#owner?.(change.key, here) : undefined;
    if (owner !== undefined && !samePartition(owner, here)) {
      if (isProbe(change)) return { kind: 'elsewhere' };
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
