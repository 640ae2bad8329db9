// The change workload of the CDC chain test: N row changes (seeded, reproducible)
// in random order across the two tables of cdc-tables.ts, applied to PostgreSQL in
// transactions of random size (one round trip each): inserts (some reinserting a
// deleted key), updates of 1-3 columns, deletes, primary-key changes
// (UPDATE ... SET id = ...), an update and a delete of the same row in one
// transaction, and one TRUNCATE of customers mid-stream. It keeps a model of both
// tables and counts the records Debezium must emit per table (snapshot r, c, u,
// d + tombstone, a key change as d + tombstone + c, t), so a test can tell when
// Debezium has emitted everything.
//
// By hand (creates <prefix>_customers / <prefix>_orders, applies, checks Postgres
// against the model, drops them unless --keep):
//   eval "$(scripts/services env)"; node test/support/cdc-workload.ts --changes 100000 --seed 1
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type pg from 'pg';
import { Rng } from '../sim/rng.ts';
import { lineDifferences } from './cdc-canonical.ts';
import { connectPostgres, readPostgresLines } from './cdc-postgres-reader.ts';
import { CdcTableModel, type EventCounts, totalRecords } from './cdc-table-model.ts';
import {
  type CdcTable,
  CUSTOMERS,
  createTableSql,
  type ModelRow,
  modelLine,
  ORDERS,
  randomRow,
} from './cdc-tables.ts';

export interface CdcWorkloadOptions {
  /** Row changes to apply (an update-then-delete counts two, the truncate one). */
  readonly changes: number;
  readonly seed: number;
  /** The Postgres table names (schema public). */
  readonly names: { readonly customers: string; readonly orders: string };
  /** Rows per table inserted by setUp, before the connector starts (its snapshot: r events). Default 500. */
  readonly initialRows?: number;
  /** The change count at which customers is truncated; default half of `changes`, -1 for none. */
  readonly truncateAt?: number;
  /** Largest transaction, in changes. Default 200. */
  readonly maxTransaction?: number;
}

export interface CdcWorkloadResult {
  readonly changes: number;
  readonly transactions: number;
  readonly seconds: number;
  /** pg_current_wal_insert_lsn() inside the last transaction, before its commit. */
  readonly lastLsn: string;
  /**
   * The same, of the last transaction that changed each table (by Postgres
   * name): what that table's Debezium slot acknowledges once it has everything.
   * A slot whose tables the last transactions did not touch may never pass
   * `lastLsn` on an otherwise idle database (nothing more reaches it).
   */
  readonly lastLsnOf: ReadonlyMap<string, string>;
}

type Op = 'insert' | 'update' | 'delete' | 'keyChange' | 'updateDelete';
const OPS: ReadonlyArray<readonly [Op, number]> = [
  ['insert', 38],
  ['update', 34],
  ['delete', 12],
  ['keyChange', 8],
  ['updateDelete', 8],
];

export class CdcWorkload {
  readonly options: CdcWorkloadOptions;
  readonly customers: CdcTableModel;
  readonly orders: CdcTableModel;
  readonly #client: pg.Client;
  readonly #rng: Rng;

  constructor(client: pg.Client, options: CdcWorkloadOptions) {
    this.#client = client;
    this.options = options;
    this.#rng = new Rng(options.seed);
    this.customers = new CdcTableModel(CUSTOMERS, options.names.customers);
    this.orders = new CdcTableModel(ORDERS, options.names.orders);
  }

  get models(): readonly CdcTableModel[] {
    return [this.customers, this.orders];
  }

  /** (Re)creates both tables and inserts the initial rows. */
  async setUp(): Promise<void> {
    const rng = this.#rng.fork('initial');
    for (const model of this.models) {
      await this.#client.query(`drop table if exists public.${model.name}`);
      await this.#client.query(createTableSql(model.table, model.name));
      const statements: string[] = [];
      for (let i = 0; i < (this.options.initialRows ?? 500); i++)
        statements.push(model.insert(this.#newRow(model, rng), 'r'));
      if (statements.length > 0) await this.#client.query(`begin;${statements.join(';')};commit`);
    }
  }

  async dropTables(): Promise<void> {
    for (const model of this.models) await this.#client.query(`drop table if exists public.${model.name}`);
  }

  /** Applies the changes; `onTransaction` runs after each commit (a test may pause the workload there). */
  async run(onTransaction?: (applied: number) => void | Promise<void>): Promise<CdcWorkloadResult> {
    const rng = this.#rng.fork('changes');
    const started = performance.now();
    const truncateAt = this.options.truncateAt ?? Math.floor(this.options.changes / 2);
    let applied = 0;
    let transactions = 0;
    let lastLsn = '0/0';
    const lastLsnOf = new Map<string, string>();
    let truncated = truncateAt < 0;
    while (applied < this.options.changes) {
      const statements: string[] = [];
      const before = this.models.map((m) => totalRecords(m.events));
      if (!truncated && applied >= truncateAt) {
        statements.push(this.customers.truncate());
        truncated = true;
        applied++;
      } else {
        const size = rng.chance(0.1) ? rng.range(50, this.options.maxTransaction ?? 200) : rng.range(1, 20);
        const end = Math.min(this.options.changes, applied + size);
        while (applied < end) applied += this.#change(rng, statements);
      }
      statements.push('select pg_current_wal_insert_lsn()::text as lsn');
      const results = (await this.#client.query(
        `begin;${statements.join(';')};commit`,
      )) as unknown as pg.QueryResult[];
      lastLsn = String(results.at(-2)?.rows[0]?.lsn);
      this.models.forEach((m, i) => {
        if (totalRecords(m.events) !== before[i]) lastLsnOf.set(m.name, lastLsn);
      });
      transactions++;
      await onTransaction?.(applied);
    }
    return {
      changes: applied,
      transactions,
      seconds: (performance.now() - started) / 1000,
      lastLsn,
      lastLsnOf,
    };
  }

  /** Appends one random change's statements; returns the changes it counts for. */
  #change(rng: Rng, statements: string[]): number {
    const model = rng.chance(0.5) ? this.customers : this.orders;
    const op = model.size < 50 ? 'insert' : rng.weighted(OPS);
    if (op === 'insert') {
      statements.push(model.insert(this.#newRow(model, rng), 'c'));
      return 1;
    }
    const key = model.randomKey(rng);
    if (op === 'delete') {
      statements.push(model.delete(key));
      return 1;
    }
    if (op === 'keyChange') {
      const fresh = this.#newRow(model, rng);
      statements.push(model.changeKey(key, fresh, rng));
      return 1;
    }
    statements.push(model.update(key, randomRow(model.table, rng), rng));
    if (op === 'update') return 1;
    statements.push(model.delete(key));
    return 2;
  }

  /** A random row whose key is not live: mostly new, sometimes a deleted key coming back. */
  #newRow(model: CdcTableModel, rng: Rng): ModelRow {
    const row = randomRow(model.table, rng);
    const reused = rng.chance(0.15) ? model.deletedKey(rng) : undefined;
    if (reused !== undefined && !model.isLive(model.withKey(row, reused))) return model.withKey(row, reused);
    return model.isLive(row) ? this.#newRow(model, rng) : row;
  }

  expectedRecords(role: CdcTable['role']): EventCounts {
    return (role === 'customers' ? this.customers : this.orders).events;
  }
}

/** The model's rows as canonical lines, and a check that Postgres holds exactly them. */
export async function checkPostgresAgainstModel(client: pg.Client, model: CdcTableModel): Promise<number> {
  const postgres = await readPostgresLines(client, model.table, model.name);
  const expected = model.rows().map(modelLine);
  const differences = lineDifferences('model', expected, 'postgres', postgres);
  if (differences) throw new Error(`public.${model.name} differs from the workload's model:\n${differences}`);
  return postgres.length;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      changes: { type: 'string', default: '100000' },
      seed: { type: 'string', default: '1' },
      initial: { type: 'string', default: '500' },
      prefix: { type: 'string', default: `cdcload_${Date.now().toString(36)}` },
      keep: { type: 'boolean', default: false },
    },
  });
  const client = await connectPostgres();
  const workload = new CdcWorkload(client, {
    changes: Number(values.changes),
    seed: Number(values.seed),
    initialRows: Number(values.initial),
    names: { customers: `${values.prefix}_customers`, orders: `${values.prefix}_orders` },
  });
  try {
    await workload.setUp();
    const result = await workload.run();
    const rows = await Promise.all(workload.models.map((m) => checkPostgresAgainstModel(client, m)));
    console.log(
      JSON.stringify({
        ...result,
        rows: { customers: rows[0], orders: rows[1] },
        expectedRecords: { customers: workload.customers.events, orders: workload.orders.events },
      }),
    );
  } finally {
    if (!values.keep) await workload.dropTables();
    await client.end();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
