// The key index of one table (docs/upsert.md, "The key index"): per Kafka
// partition the worker owns, key -> (data file, row position, order value), so
// that an update or delete of a key already in the table becomes a position
// delete against its file. Plus one shared part for the rows of files no Kafka
// partition can be attributed to (another engine's rewrite): it is looked up
// after the partition's own and never says which partition owns a key.
//
// The index never gets ahead of the table: a batch's updates are staged
// (IndexStage) and applied only after its commit succeeded; an aborted batch
// discards them. Entries live in a KeyStore (lmdb-key-store.ts, on local disk);
// data file paths are interned as ids.

import { getOffset, type OffsetMap } from '../commit/table-offsets.ts';
import type { ChangeLocation, OrderValue } from './change.ts';
import type { KeyOwner, KeyQuestion } from './change-collapse.ts';
import { DELETED_FILE, type KeyStore, type StoredEntry } from './lmdb-key-store.ts';

/** The name of a table's shared part (rows of files no partition can be attributed to). */
export const SHARED_INDEX = '(unattributed)';

/** A partition part no longer in step with its table (PartitionKeyIndex.syncedOffset). */
export const STALE = Symbol('stale');

export type IndexLookup =
  | {
      readonly live: true;
      readonly file: string;
      readonly position: number;
      readonly order?: OrderValue | undefined;
    }
  /** A deleted key remembered for its order value (order.by), until the next rebuild. */
  | { readonly live: false; readonly order?: OrderValue | undefined };

/** Metrics hooks (the wiring points them at the worker's metrics). */
export interface KeyIndexMetrics {
  indexSize(index: string, keys: number): void;
  rebuilt(index: string, keys: number, seconds: number): void;
}

export class PartitionKeyIndex {
  /** `topic:partition`, or SHARED_INDEX for the shared part. */
  readonly name: string;
  /**
   * The offset of its partition the table recorded when this part was last in
   * step with it (built, or followed one of this worker's commits); STALE once
   * another writer moved the partition under it. keyed-indexes.ts rebuilds a
   * part whose offset is not the one the fence will compare against.
   */
  syncedOffset: bigint | undefined | typeof STALE;
  /** Data file -> the delete files applying to it, that the entries were made from (index-sources.ts). */
  readonly sources = new Map<string, Set<string>>();
  /** Kept or re-pointed after a failed commit, and no commit landed since (a second failure rebuilds it). */
  refreshed = false;
  readonly #store: KeyStore;
  readonly #files: string[] = [];
  readonly #fileIds = new Map<string, number>();
  readonly #metrics: KeyIndexMetrics | undefined;
  #stage: IndexStage | undefined;

  constructor(name: string, store: KeyStore, metrics?: KeyIndexMetrics, syncedOffset?: bigint) {
    this.name = name;
    this.syncedOffset = syncedOffset;
    this.#store = store;
    this.#metrics = metrics;
  }

  lookup(key: string): IndexLookup | undefined {
    const entry = this.#store.get(key);
    if (entry === undefined) return undefined;
    if (entry.file === DELETED_FILE) return { live: false, order: entry.order };
    return { live: true, file: this.#files[entry.file]!, position: entry.position, order: entry.order };
  }

  /** Opens the batch's staged updates; one at a time. */
  stage(): IndexStage {
    if (this.#stage !== undefined) throw new Error(`key index ${this.name}: a staged batch is still open`);
    this.#stage = new IndexStage(this, (puts, removals) => this.#apply(puts, removals));
    return this.#stage;
  }

  /** Every live key with its file and position (a truncate deletes them all). */
  *live(): Iterable<[string, { file: string; position: number }]> {
    for (const [key, entry] of this.#store.entries()) {
      if (entry.file !== DELETED_FILE)
        yield [key, { file: this.#files[entry.file]!, position: entry.position }];
    }
  }

  /** Every key remembered as deleted (its order value, or a shadow of the shared part's row). */
  *deleted(): Iterable<string> {
    for (const [key, entry] of this.#store.entries()) if (entry.file === DELETED_FILE) yield key;
  }

  get size(): number {
    return this.#store.count();
  }

  /** How many entries point into one of the data files `paths` (a scan of the part). */
  countIn(paths: Iterable<string>): number {
    const ids = new Set<number>();
    for (const path of paths) {
      const id = this.#fileIds.get(path);
      if (id !== undefined) ids.add(id);
    }
    return this.#store.countFiles(ids);
  }

  /** The interned id of a data file path. */
  fileId(path: string): number {
    let id = this.#fileIds.get(path);
    if (id === undefined) {
      id = this.#files.length;
      if (id >= DELETED_FILE) throw new Error(`key index ${this.name}: too many data files`);
      this.#files.push(path);
      this.#fileIds.set(path, id);
    }
    return id;
  }

  /** Loads entries straight into the store (a rebuild; no stage). */
  load(entries: ReadonlyMap<string, StoredEntry>): void {
    this.#store.apply(entries, []);
  }

  /** Called by the rebuild when it is done. */
  reportRebuilt(seconds: number): void {
    this.#metrics?.rebuilt(this.name, this.size, seconds);
  }

  #apply(puts: ReadonlyMap<string, StoredEntry>, removals: readonly string[]): void {
    this.#stage = undefined;
    this.#store.apply(puts, removals);
    this.#metrics?.indexSize(this.name, this.size);
  }

  /** Forgets the open stage (its batch was aborted). */
  closeStage(): void {
    this.#stage = undefined;
  }
}

type ApplyStage = (puts: ReadonlyMap<string, StoredEntry>, removals: readonly string[]) => void;

/** One batch's updates of one partition index, applied when its commit succeeded. */
export class IndexStage {
  readonly #index: PartitionKeyIndex;
  readonly #apply: ApplyStage;
  readonly #puts = new Map<string, StoredEntry>();
  readonly #removals = new Set<string>();
  #closed = false;

  constructor(index: PartitionKeyIndex, apply: ApplyStage) {
    this.#index = index;
    this.#apply = apply;
  }

  /** The key's row is now at `position` of `file`. */
  put(key: string, file: string, position: number, order?: OrderValue): void {
    this.#open();
    this.#removals.delete(key);
    this.#puts.set(key, { file: this.#index.fileId(file), position, order });
  }

  /**
   * The key is deleted. With an order value (order.by) the delete is
   * remembered so that older changes lose; with `shadow` it is remembered so
   * that the key's row in the shared part reads as gone.
   */
  remove(key: string, order?: OrderValue, shadow = false): void {
    this.#open();
    if (order === undefined && !shadow) {
      this.#puts.delete(key);
      this.#removals.add(key);
    } else {
      this.#puts.set(key, { file: DELETED_FILE, position: 0, order });
    }
  }

  /** The commit succeeded: the index follows the table. */
  commit(): void {
    this.#open();
    this.#closed = true;
    this.#apply(this.#puts, [...this.#removals]);
  }

  /** The commit failed or was aborted: nothing changes. */
  discard(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#index.closeStage();
  }

  #open(): void {
    if (this.#closed) throw new Error(`key index ${this.#index.name}: the staged batch is closed`);
  }
}

/** A live data file of the table as a truncate deletes it: every position not deleted yet. */
export interface TruncatedFile {
  readonly path: string;
  readonly recordCount: number;
  readonly deleted: ReadonlySet<number>;
}

/** A table's index: the partitions the worker owns, and the shared unattributed part. */
export class TableKeyIndex {
  readonly #partitions = new Map<string, PartitionKeyIndex>();
  readonly #truncatedFiles = new Map<string, readonly TruncatedFile[]>();
  #shared: PartitionKeyIndex | undefined;

  set(topic: string, partition: number, index: PartitionKeyIndex): void {
    this.#partitions.set(`${topic}:${partition}`, index);
  }

  setShared(index: PartitionKeyIndex | undefined): void {
    this.#shared = index;
  }

  /** The indexes a truncate of `topic` empties: its partitions owned here and the shared part. */
  truncateScope(topic: string): PartitionKeyIndex[] {
    const scope = [...this.#partitions]
      .filter(([name]) => name.slice(0, name.lastIndexOf(':')) === topic)
      .map(([, index]) => index);
    return this.#shared === undefined ? scope : [...scope, this.#shared];
  }

  /**
   * A truncate of `topic` was taken into the open batch: the table's live data
   * files it empties, as the table was then (the topic's files of every
   * partition, owned here or not, and the unattributed ones). Set again at
   * every truncate taken, read by the plan for the batch's truncates only.
   */
  setTruncatedFiles(topic: string, files: readonly TruncatedFile[]): void {
    this.#truncatedFiles.set(topic, files);
  }

  truncatedFiles(topic: string): readonly TruncatedFile[] {
    return this.#truncatedFiles.get(topic) ?? [];
  }

  /**
   * After one of this worker's commits to the table (or a skipped one): `before`
   * is what the table recorded right before it (the offsets the fence saw),
   * `after` what it records now. A part in step with `before` follows to
   * `after`; a part that was not is STALE (another writer moved its partition).
   */
  followCommit(before: OffsetMap, after: OffsetMap): void {
    for (const [name, index] of this.#partitions) {
      const split = name.lastIndexOf(':');
      const topic = name.slice(0, split);
      const partition = Number(name.slice(split + 1));
      index.refreshed = false;
      index.syncedOffset =
        index.syncedOffset === getOffset(before, topic, partition)
          ? getOffset(after, topic, partition)
          : STALE;
    }
  }

  /** The partition parts held (not the shared part). */
  parts(): Iterable<PartitionKeyIndex> {
    return this.#partitions.values();
  }

  /** A revoked partition's index goes. */
  drop(topic: string, partition: number): void {
    this.#partitions.delete(`${topic}:${partition}`);
  }

  partition(topic: string, partition: number): PartitionKeyIndex | undefined {
    return this.#partitions.get(`${topic}:${partition}`);
  }

  /** Where the key's row is: its partition's index first, then the shared part. */
  lookup(key: string, at: ChangeLocation): { index: PartitionKeyIndex; found: IndexLookup } | undefined {
    for (const index of [this.partition(at.topic, at.partition), this.#shared]) {
      const found = index?.lookup(key);
      if (index !== undefined && found !== undefined) return { index, found };
    }
    return undefined;
  }

  /**
   * Whether the shared part holds the key as a live row. The shared part is
   * not updated by this worker's deletes: a delete of such a key must be
   * remembered in the partition's part (a shadow), also when the partition's
   * part held a newer row of it, or the shared row would read as live again.
   */
  sharedLive(key: string): boolean {
    return this.#shared?.lookup(key)?.live === true;
  }

  /** For ChangeCollapser: whether the change's own partition part holds the key live. */
  readonly holds: KeyQuestion = (key, at) =>
    this.partition(at.topic, at.partition)?.lookup(key)?.live === true;

  /** For ChangeCollapser: whether a delete at `at` finds a live row, as the plan looks (lookup). */
  readonly finds: KeyQuestion = (key, at) => this.lookup(key, at)?.found.live === true;

  /**
   * For ChangeCollapser: another partition owned here, of the topic or of
   * another topic feeding the table, whose index holds the key live; asked
   * only when the key's own partition lacks it.
   */
  readonly owner: KeyOwner = (key, at) => {
    if (this.partition(at.topic, at.partition)?.lookup(key) !== undefined) return undefined;
    for (const [name, index] of this.#partitions) {
      if (index.lookup(key)?.live !== true) continue;
      const split = name.lastIndexOf(':');
      return { topic: name.slice(0, split), partition: Number(name.slice(split + 1)) };
    }
    return undefined;
  };
}
