// The world of the keyed schedule tests (keyed-schedules.test.ts): a keyed
// topic (a log per Kafka partition, each key in one partition), a SQLite
// catalog and local files, faults on floe's catalog commits, workers as the
// worker loop drives a connector runtime (assign, run, commit, a fenced batch
// re-read from the tables, revoke, lost partitions, kill -9), and the model:
// the table must equal the replay of each partition's log up to the offset the
// table records, one live row per key.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Catalog } from '../../../../src/catalog/catalog.ts';
import { openSqlCatalog } from '../../../../src/catalog/sql/open-sql-catalog.ts';
import type { DebeziumEvent } from '../../../../src/codec/debezium-envelope.ts';
import { CommitStateUnknownError } from '../../../../src/errors.ts';
import { ancestors, branchHead, currentSchema } from '../../../../src/iceberg/table-metadata.ts';
import type { Row, Schema } from '../../../../src/iceberg/types.ts';
import { LocalFileIO } from '../../../../src/io/local-file-io.ts';
import { readParquetRows } from '../../../../src/parquet/parquet-row-reader.ts';
import {
  committedOffsets,
  getOffset,
  type OffsetMap,
  offsetsProperty,
  parseOffsets,
} from '../../../../src/worker/commit/table-offsets.ts';
import type { ConnectorSettings, DecodedRecord } from '../../../../src/worker/connector-settings.ts';
import type { KafkaRecord } from '../../../../src/worker/kafka-types.ts';
import { supersedes } from '../../../../src/worker/upsert/change.ts';
import { fileAttribution } from '../../../../src/worker/upsert/file-attribution.ts';
import type { KeyedConnector } from '../../../../src/worker/upsert/keyed-connector.ts';
import { tableLiveFiles } from '../../../../src/worker/upsert/table-live-files.ts';
import type { Rng } from '../../../sim/rng.ts';
import { settings, table } from '../../../support/in-process-connector.ts';

export const TOPIC = 't';
export const TABLE = table('k');
/** Ids beyond 2^53: a key that went through a double would collide with its neighbour. */
export const ID_BASE = 2n ** 60n;

const TRUNCATE = '{"truncate":true}';

/** A fault for floe's next catalog commit. */
export type Fault =
  | 'unknown-landed'
  | 'unknown-lost'
  | 'crash-before'
  | 'crash-after'
  | { readonly before: () => Promise<void> };

/** kill -9 of the committing worker (a process crash, not an error floe sees as its own). */
export class Crash extends Error {}

export interface KeyedWorldOptions {
  readonly partitions: number;
  readonly keys: number;
  readonly orderBy: boolean;
  /** `fields`: key.fields [id]; `kafka`: the Kafka key (a string, long for odd keys: SHA-256 path) in `_key`. */
  readonly keyMode: 'fields' | 'kafka';
  /** cdc: a value {"truncate": true} is a Debezium truncate (op t) of the topic (default upsert). */
  readonly mode?: 'upsert' | 'cdc';
  /** The created table's format version: 2 (position-delete files, the default) or 3 (deletion vectors). */
  readonly formatVersion?: 2 | 3;
}

export interface ModelRow {
  readonly key: number;
  readonly v: string;
  readonly w: string | null;
}

export class KeyedWorld {
  readonly options: KeyedWorldOptions;
  readonly dir: string;
  readonly io = new LocalFileIO();
  readonly inner: Catalog;
  /** What floe's workers commit through: faults injected here. */
  readonly catalog: Catalog;
  readonly faults: Fault[] = [];
  readonly logs: KafkaRecord[][];
  readonly events: string[] = [];
  /** Per truncate record (`partition:offset`): the table's offsets when a worker last read it. */
  readonly #truncateViews = new Map<string, OffsetMap>();

  constructor(options: KeyedWorldOptions) {
    this.options = options;
    this.dir = mkdtempSync(join(tmpdir(), 'floe-keyed-world-'));
    this.inner = openSqlCatalog({
      name: 'c',
      uri: join(this.dir, 'catalog.db'),
      warehouse: `file://${this.dir}/wh`,
      io: this.io,
    });
    this.catalog = faulty(this.inner, this.faults);
    this.logs = Array.from({ length: options.partitions }, () => []);
  }

  /** The connector settings of a worker whose key index lives in `indexDir`. */
  settings(indexDir: string): ConnectorSettings {
    const keyed: KeyedConnector = {
      mode: this.options.mode ?? 'upsert',
      file: 'connectors/k.yaml',
      keyFields: this.options.keyMode === 'fields' ? ['id'] : undefined,
      orderBy: this.options.orderBy ? 'v' : undefined,
      tombstones: 'delete',
      event: (record): DebeziumEvent => {
        if (record.value === null) return { kind: 'tombstone' };
        if (record.value.toString() === TRUNCATE) return { kind: 'truncate', source: null };
        const decoded = convert(record);
        return { kind: 'upsert', op: 'u', row: decoded.row, schema: decoded.schema, source: null };
      },
      key: (record) => record.key?.toString() ?? null,
      indexDir,
    };
    const base = settings('k', { kind: 'single', table: TABLE });
    const properties = { 'format-version': String(this.options.formatVersion ?? 2) };
    return { ...base, autoCreate: { ...base.autoCreate, properties }, keyed };
  }

  /** Appends `n` changes over the key space: upserts (some with a new column `w`) and tombstones. */
  produce(rng: Rng, n: number): void {
    for (let i = 0; i < n; i++) {
      const key = rng.int(this.options.keys);
      if (rng.chance(0.2)) this.change(key, null);
      else
        this.change(
          key,
          String(rng.int(50)).padStart(3, '0'),
          rng.chance(0.3) ? `w${rng.int(9)}` : undefined,
        );
    }
  }

  /** Appends one change of `key` to its partition: an upsert with `v` (and `w`), or a tombstone (null). */
  change(key: number, v: string | null, w?: string): void {
    const partition = key % this.options.partitions;
    const log = this.logs[partition]!;
    const value =
      v === null ? null : { id: String(ID_BASE + BigInt(key)), v, ...(w === undefined ? {} : { w }) };
    const bytes = value === null ? null : Buffer.from(JSON.stringify(value));
    const kafkaKey = Buffer.from(this.kafkaKey(key));
    log.push({
      topic: TOPIC,
      partition,
      offset: BigInt(log.length),
      timestampMs: 0,
      key: kafkaKey,
      value: bytes,
      headers: [],
      sizeBytes: kafkaKey.length + (bytes?.length ?? 0),
    });
  }

  /** Appends a truncate of the topic (mode cdc) to `partition`'s log (see `model`). */
  truncate(partition: number): void {
    const log = this.logs[partition]!;
    const value = Buffer.from(TRUNCATE);
    log.push({
      topic: TOPIC,
      partition,
      offset: BigInt(log.length),
      timestampMs: 0,
      key: null,
      value,
      headers: [],
      sizeBytes: value.length,
    });
  }

  /** A worker is about to read `partition`'s records [from, to): the table as it is now is what a truncate among them sees. */
  async reading(partition: number, from: number, to: number): Promise<void> {
    const log = this.logs[partition]!;
    const truncates = log.slice(from, to).filter(isTruncate);
    if (truncates.length === 0 || !(await this.inner.tableExists(TABLE))) return;
    const offsets = committedOffsets((await this.inner.loadTable(TABLE)).metadata, 'k');
    for (const record of truncates) this.#truncateViews.set(`${partition}:${record.offset}`, offsets);
  }

  kafkaKey(key: number): string {
    if (this.options.keyMode === 'fields') return String(ID_BASE + BigInt(key));
    return key % 2 === 1 ? `key-${key}-${'x'.repeat(500)}` : `key-${key}`;
  }

  /** The replay of each partition's log below `upTo` (offset order, or order.by with deletes by offset); no truncates. */
  replay(upTo: ReadonlyMap<number, bigint>): Map<number, ModelRow> {
    const rows = new Map<number, ModelRow>();
    for (const partition of this.logs.keys()) {
      for (const [key, row] of this.#replayPartition(partition, 0n, upTo.get(partition) ?? 0n))
        rows.set(key, row);
    }
    return rows;
  }

  /**
   * What the table must hold with the truncates (mode cdc) that landed: a
   * truncate at `partition`@`o` drops the changes of its partition below `o`,
   * and of every other partition q the changes the table held when the
   * truncate was read: below q's offset then (the worker's view, recorded by
   * `reading`), or below q's offset right before the truncate's commit when
   * another worker committed q while the batch stayed open. Per partition the
   * cut in that range whose replay equals `actual` is taken (the lowest when
   * none does, for the failure's diff).
   */
  async model(
    actual: ReadonlyMap<number, ModelRow>,
    upTo: ReadonlyMap<number, bigint>,
  ): Promise<Map<number, ModelRow>> {
    const cuts = await this.#truncateCuts();
    const rows = new Map<number, ModelRow>();
    for (const partition of this.logs.keys()) {
      const end = upTo.get(partition) ?? 0n;
      const { low, high } = cuts.get(partition) ?? { low: 0n, high: 0n };
      const mine = [...actual].filter(([key]) => key % this.options.partitions === partition);
      let chosen: Map<number, ModelRow> | undefined;
      for (let cut = low; cut <= high && chosen === undefined; cut++) {
        const replayed = this.#replayPartition(partition, cut, end);
        if (sameRows(replayed, new Map(mine))) chosen = replayed;
      }
      for (const [key, row] of chosen ?? this.#replayPartition(partition, low, end)) rows.set(key, row);
    }
    return rows;
  }

  /** Per partition the range of its cut by the truncates that landed. */
  async #truncateCuts(): Promise<Map<number, { low: bigint; high: bigint }>> {
    const cuts = new Map<number, { low: bigint; high: bigint }>();
    const raise = (partition: number, low: bigint, high: bigint) => {
      const held = cuts.get(partition) ?? { low: 0n, high: 0n };
      cuts.set(partition, { low: max(held.low, low), high: max(held.high, high) });
    };
    if (!(await this.inner.tableExists(TABLE))) return cuts;
    const { metadata } = await this.inner.loadTable(TABLE);
    const head = branchHead(metadata);
    const history = head === undefined ? [] : ancestors(metadata, head.snapshotId).reverse();
    const recorded: OffsetMap[] = [];
    for (const snapshot of history) {
      const text = snapshot.summary[offsetsProperty('k')];
      recorded.push(text === undefined ? (recorded.at(-1) ?? new Map()) : parseOffsets(text, 'test'));
    }
    for (const [partition, log] of this.logs.entries()) {
      for (const record of log.filter(isTruncate)) {
        const landed = recorded.findIndex((o) => (getOffset(o, TOPIC, partition) ?? 0n) > record.offset);
        if (landed < 0) continue;
        const before = recorded[landed - 1] ?? new Map();
        const seen = this.#truncateViews.get(`${partition}:${record.offset}`) ?? before;
        for (const q of this.logs.keys()) {
          if (q === partition) raise(q, record.offset + 1n, record.offset + 1n);
          else {
            const high = getOffset(before, TOPIC, q) ?? 0n;
            raise(q, min(getOffset(seen, TOPIC, q) ?? 0n, high), high);
          }
        }
      }
    }
    return cuts;
  }

  #replayPartition(partition: number, start: bigint, end: bigint): Map<number, ModelRow> {
    const current = new Map<number, { row: ModelRow; order?: string }>();
    for (const record of this.logs[partition]!) {
      if (record.offset >= end) break;
      if (record.offset < start || isTruncate(record)) continue;
      const value = record.value === null ? null : (JSON.parse(record.value.toString()) as Row);
      const key = keyOfKafka(this, record);
      if (value === null) {
        current.delete(key);
        continue;
      }
      const order = this.options.orderBy ? (value.v as string) : undefined;
      const held = current.get(key);
      if (held !== undefined && !supersedes({ order }, { order: held.order })) continue;
      const row = { key, v: value.v as string, w: (value.w as string | undefined) ?? null };
      current.set(key, order === undefined ? { row } : { row, order });
    }
    return new Map([...current].map(([key, { row }]) => [key, row]));
  }

  /** The table's committed offsets of the topic and its live rows; a key live twice is listed. */
  async read(): Promise<{ offsets: Map<number, bigint>; rows: Map<number, ModelRow>; twice: string[] }> {
    const metadata = (await this.inner.loadTable(TABLE)).metadata;
    const offsets = committedOffsets(metadata, 'k').get(TOPIC) ?? new Map<number, bigint>();
    const schema = currentSchema(metadata);
    const rows = new Map<number, ModelRow>();
    const twice: string[] = [];
    for (const file of await tableLiveFiles(this.io, metadata, 'r.k')) {
      const owner = fileAttribution(file.path);
      readParquetRows(await this.io.read(file.path), schema, file.path).forEach((row, position) => {
        if (file.deleted.has(position)) return;
        const key = Number((row.id as bigint) - ID_BASE);
        if (owner !== undefined && owner.partition !== key % this.options.partitions)
          twice.push(`key ${key} in ${file.path}, attributed to partition ${owner.partition}`);
        if (rows.has(key)) twice.push(`key ${key} live twice (again in ${file.path}@${position})`);
        rows.set(key, { key, v: row.v as string, w: (row.w as string | null | undefined) ?? null });
      });
    }
    return { offsets, rows, twice };
  }

  close(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function isTruncate(record: KafkaRecord): boolean {
  return record.value?.toString() === TRUNCATE;
}

function sameRows(a: ReadonlyMap<number, ModelRow>, b: ReadonlyMap<number, ModelRow>): boolean {
  if (a.size !== b.size) return false;
  for (const [key, row] of a) {
    const other = b.get(key);
    if (other === undefined || other.v !== row.v || other.w !== row.w) return false;
  }
  return true;
}

const max = (a: bigint, b: bigint) => (a > b ? a : b);
const min = (a: bigint, b: bigint) => (a < b ? a : b);

function keyOfKafka(world: KeyedWorld, record: KafkaRecord): number {
  const text = record.key!.toString();
  if (world.options.keyMode === 'fields') return Number(BigInt(text) - ID_BASE);
  return Number(text.split('-')[1]);
}

/** Values are JSON with `id` as decimal text (a long beyond 2^53), `v` and optional `w` strings. */
function convert(record: { readonly value: Buffer | null }): DecodedRecord {
  const value = JSON.parse(record.value!.toString()) as Record<string, string>;
  const names = Object.keys(value).filter((n) => n !== 'id');
  const schema: Schema = {
    schemaId: 0,
    identifierFieldIds: [],
    fields: [
      { id: 1, name: 'id', required: false, type: { kind: 'long' } },
      ...names.map((name, i) => ({ id: i + 2, name, required: false, type: { kind: 'string' as const } })),
    ],
  };
  return { row: { ...value, id: BigInt(value.id!) }, schema };
}

/** The catalog with `faults` applied, one per commit, in order. */
function faulty(inner: Catalog, faults: Fault[]): Catalog {
  const commit =
    <A extends unknown[], R>(send: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      const fault = faults.shift();
      if (fault === 'unknown-lost') throw new CommitStateUnknownError('injected: lost before the commit');
      if (fault === 'crash-before') throw new Crash('injected: kill -9 before the catalog commit');
      if (typeof fault === 'object') await fault.before();
      const result = await send(...args);
      if (fault === 'unknown-landed')
        throw new CommitStateUnknownError('injected: answer lost after the commit');
      if (fault === 'crash-after') throw new Crash('injected: kill -9 after the catalog commit landed');
      return result;
    };
  return new Proxy(inner, {
    get(target, property, receiver) {
      if (property === 'commitTable') return commit(target.commitTable.bind(target));
      if (property === 'commitTables') return commit(target.commitTables.bind(target));
      const value = Reflect.get(target, property, receiver) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}
