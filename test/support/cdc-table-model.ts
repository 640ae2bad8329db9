// The workload's model of one Postgres table of the CDC chain test (cdc-workload.ts):
// the live rows by key, a pool of deleted keys to reinsert, and the records
// Debezium must emit for the changes made so far. Each change method updates the
// model and returns the SQL statement that makes the same change in Postgres.
import type { Rng } from '../sim/rng.ts';
import type { CdcTable, GeneratedValue, ModelRow } from './cdc-tables.ts';

/** Records Debezium writes to the table's topic, by kind (tombstone: the null value after a delete). */
export interface EventCounts {
  r: number;
  c: number;
  u: number;
  d: number;
  t: number;
  tombstone: number;
}

export function totalRecords(counts: EventCounts): number {
  return counts.r + counts.c + counts.u + counts.d + counts.t + counts.tombstone;
}

const DELETED_POOL = 2000;

export class CdcTableModel {
  readonly table: CdcTable;
  readonly name: string;
  readonly events: EventCounts = { r: 0, c: 0, u: 0, d: 0, t: 0, tombstone: 0 };
  readonly #rows = new Map<string, ModelRow>();
  /** The live keys, for a uniform random pick (swap-remove). */
  readonly #keys: string[] = [];
  readonly #position = new Map<string, number>();
  /** The last DELETED_POOL rows deleted (a ring). */
  readonly #deleted: ModelRow[] = [];
  #deletedCount = 0;
  readonly #keyIndexes: number[];

  constructor(table: CdcTable, name: string) {
    this.table = table;
    this.name = name;
    this.#keyIndexes = table.columns.flatMap((c, i) => (c.key ? [i] : []));
  }

  get size(): number {
    return this.#keys.length;
  }

  rows(): ModelRow[] {
    return [...this.#rows.values()];
  }

  keyOf(row: ModelRow): string {
    return JSON.stringify(this.#keyIndexes.map((i) => row[i]?.cell));
  }

  isLive(row: ModelRow): boolean {
    return this.#rows.has(this.keyOf(row));
  }

  randomKey(rng: Rng): string {
    if (this.#keys.length === 0) throw new Error(`${this.name}: no live row`);
    return this.#keys[rng.int(this.#keys.length)]!;
  }

  /** A row of a recently deleted key (its key columns are what matters), or undefined. */
  deletedKey(rng: Rng): ModelRow | undefined {
    return this.#deleted.length === 0 ? undefined : this.#deleted[rng.int(this.#deleted.length)];
  }

  /** `row` with the key columns of `keyRow`. */
  withKey(row: ModelRow, keyRow: ModelRow): ModelRow {
    return row.map((v, i) => (this.#keyIndexes.includes(i) ? keyRow[i]! : v));
  }

  insert(row: ModelRow, op: 'r' | 'c'): string {
    this.#add(row);
    this.events[op]++;
    const values = row.map((v) => (v === null ? 'null' : v.literal));
    return `insert into public.${this.name} values (${values.join(', ')})`;
  }

  /** Sets 1-3 random non-key columns of the row at `key` to their values in `fresh`. */
  update(key: string, fresh: ModelRow, rng: Rng): string {
    const old = this.#rows.get(key)!;
    const columns = rng.shuffle(this.#nonKeyIndexes()).slice(0, rng.range(1, 3));
    const next = old.map((v, i) => (columns.includes(i) ? fresh[i]! : v));
    this.#rows.set(key, next);
    this.events.u++;
    return `update public.${this.name} set ${this.#assignments(columns, fresh)} where ${this.#where(old)}`;
  }

  delete(key: string): string {
    const old = this.#remove(key);
    this.events.d++;
    this.events.tombstone++;
    return `delete from public.${this.name} where ${this.#where(old)}`;
  }

  /**
   * Moves the row at `key` to a key taken from `fresh` (one key column of a composite
   * key, or all when that one alone would hit a live key), sometimes changing another
   * column too. Debezium emits a delete of the old key, its tombstone and a create.
   */
  changeKey(key: string, fresh: ModelRow, rng: Rng): string {
    const old = this.#rows.get(key)!;
    const moved = rng.pick(this.#keyIndexes);
    let next: ModelRow = old.map((v, i) => (i === moved ? fresh[i]! : v));
    const keyColumns = this.isLive(next) ? this.#keyIndexes : [moved];
    if (keyColumns.length > 1) next = this.withKey(old, fresh);
    const extra = rng.chance(0.3) ? [rng.pick(this.#nonKeyIndexes())] : [];
    for (const i of extra) next = next.map((v, j) => (j === i ? fresh[i]! : v));
    this.#remove(key);
    this.#add(next);
    this.events.d++;
    this.events.tombstone++;
    this.events.c++;
    return `update public.${this.name} set ${this.#assignments([...keyColumns, ...extra], fresh)} where ${this.#where(old)}`;
  }

  truncate(): string {
    for (const row of this.#rows.values()) this.#remember(row);
    this.#rows.clear();
    this.#keys.length = 0;
    this.#position.clear();
    this.events.t++;
    return `truncate public.${this.name}`;
  }

  #nonKeyIndexes(): number[] {
    return this.table.columns.flatMap((c, i) => (c.key ? [] : [i]));
  }

  #assignments(indexes: readonly number[], values: ModelRow): string {
    return indexes.map((i) => `${this.table.columns[i]!.name} = ${literal(values[i]!)}`).join(', ');
  }

  #where(row: ModelRow): string {
    return this.#keyIndexes.map((i) => `${this.table.columns[i]!.name} = ${literal(row[i]!)}`).join(' and ');
  }

  #add(row: ModelRow): void {
    const key = this.keyOf(row);
    if (this.#rows.has(key)) throw new Error(`${this.name}: key ${key} is live already`);
    this.#rows.set(key, row);
    this.#position.set(key, this.#keys.length);
    this.#keys.push(key);
  }

  #remove(key: string): ModelRow {
    const row = this.#rows.get(key);
    const at = this.#position.get(key);
    if (row === undefined || at === undefined) throw new Error(`${this.name}: key ${key} is not live`);
    const last = this.#keys.pop()!;
    if (last !== key) {
      this.#keys[at] = last;
      this.#position.set(last, at);
    }
    this.#position.delete(key);
    this.#rows.delete(key);
    this.#remember(row);
    return row;
  }

  #remember(row: ModelRow): void {
    this.#deleted[this.#deletedCount++ % DELETED_POOL] = row;
  }
}

function literal(value: GeneratedValue | null): string {
  return value === null ? 'null' : value.literal;
}
