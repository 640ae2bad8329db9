// The key index's store on local disk: LMDB (the `lmdb` package, its only
// import in floe), a memory-mapped B-tree, so the index's size is bounded by
// the disk, not the heap: the operating system keeps the hot pages in memory
// and drops cold ones. One LMDB environment per worker (a folder under its data
// folder), one named database per partition index. The index is scratch: it is
// rebuilt from the table when a partition is assigned (docs/upsert.md), so
// writes are not synced to disk.
//
// An entry is 13+ bytes: file id (u32), row position (f64: positions stay far
// below 2^53), then the order value: tag 0 none, 1 number (f64), 2 bigint
// (decimal text), 3 string (UTF-8). File id 0xffffffff marks a deleted key
// remembered for its order value (order.by).
import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { type Database, open, type RootDatabase } from 'lmdb';
import type { OrderValue } from './change.ts';

export interface StoredEntry {
  /** Interned data file id (key-index.ts), DELETED_FILE for a remembered delete. */
  readonly file: number;
  readonly position: number;
  readonly order?: OrderValue | undefined;
}

export const DELETED_FILE = 0xffffffff;

export interface KeyStore {
  get(key: string): StoredEntry | undefined;
  /** Applies puts, then removals, in one write transaction. */
  apply(puts: ReadonlyMap<string, StoredEntry>, removals: Iterable<string>): void;
  /** Every entry, in key order. */
  entries(): Iterable<[string, StoredEntry]>;
  count(): number;
  /** How many entries point into one of the data files `ids` (a scan of the values). */
  countFiles(ids: ReadonlySet<number>): number;
  /** Drops every entry. */
  clear(): void;
}

export class LmdbKeyStores {
  readonly #root: RootDatabase;
  readonly #path: string;

  /** `dir` is created when missing; `maxIndexes` bounds the partition indexes open at once. */
  constructor(dir: string, maxIndexes = 4096) {
    mkdirSync(dir, { recursive: true });
    this.#path = dir;
    this.#root = open({ path: join(dir, 'keys.mdb'), maxDbs: maxIndexes, noSync: true, noMetaSync: true });
  }

  /** The store named `name` (a partition index), emptied: its content is rebuilt from the table. */
  openFresh(name: string): KeyStore {
    const db = this.#root.openDB<Buffer, string>({ name, encoding: 'binary', keyEncoding: 'ordered-binary' });
    db.clearSync();
    return new LmdbKeyStore(db);
  }

  /** Bytes the store's file takes on disk. */
  diskBytes(): number {
    const stat = statSync(join(this.#path, 'keys.mdb'), { throwIfNoEntry: false });
    return stat === undefined ? 0 : stat.blocks * 512;
  }

  async close(): Promise<void> {
    await this.#root.close();
  }
}

class LmdbKeyStore implements KeyStore {
  readonly #db: Database<Buffer, string>;

  constructor(db: Database<Buffer, string>) {
    this.#db = db;
  }

  get(key: string): StoredEntry | undefined {
    const bytes = this.#db.get(key);
    return bytes === undefined ? undefined : decodeEntry(bytes);
  }

  apply(puts: ReadonlyMap<string, StoredEntry>, removals: Iterable<string>): void {
    this.#db.transactionSync(() => {
      for (const [key, entry] of puts) this.#db.putSync(key, encodeEntry(entry));
      for (const key of removals) this.#db.removeSync(key);
    });
  }

  *entries(): Iterable<[string, StoredEntry]> {
    for (const { key, value } of this.#db.getRange()) yield [key, decodeEntry(value)];
  }

  count(): number {
    return this.#db.getCount();
  }

  countFiles(ids: ReadonlySet<number>): number {
    if (ids.size === 0) return 0;
    let n = 0;
    for (const { value: v } of this.#db.getRange()) {
      // the entry's first 4 bytes: its file id, little-endian (encodeEntry)
      if (ids.has((v[0]! | (v[1]! << 8) | (v[2]! << 16) | (v[3]! << 24)) >>> 0)) n++;
    }
    return n;
  }

  clear(): void {
    this.#db.clearSync();
  }
}

export function encodeEntry(entry: StoredEntry): Buffer {
  const order = entry.order;
  const text = typeof order === 'string' ? order : typeof order === 'bigint' ? order.toString() : undefined;
  const tail = text === undefined ? (order === undefined ? 0 : 8) : Buffer.byteLength(text);
  const bytes = Buffer.allocUnsafe(13 + tail);
  bytes.writeUInt32LE(entry.file, 0);
  bytes.writeDoubleLE(entry.position, 4);
  if (order === undefined) bytes[12] = 0;
  else if (typeof order === 'number') {
    bytes[12] = 1;
    bytes.writeDoubleLE(order, 13);
  } else {
    bytes[12] = typeof order === 'bigint' ? 2 : 3;
    bytes.write(text!, 13, 'utf8');
  }
  return bytes;
}

export function decodeEntry(bytes: Uint8Array): StoredEntry {
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const file = view.readUInt32LE(0);
  const position = view.readDoubleLE(4);
  switch (view[12]) {
    case 1:
      return { file, position, order: view.readDoubleLE(13) };
    case 2:
      return { file, position, order: BigInt(view.toString('utf8', 13)) };
    case 3:
      return { file, position, order: view.toString('utf8', 13) };
    default:
      return { file, position };
  }
}
