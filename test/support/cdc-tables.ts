// The two PostgreSQL tables of the CDC chain test (test/integration/cdc-debezium.test.ts)
// and their random rows: `customers` (an int primary key) and `orders` (a composite
// key: customer_id int, order_no bigint, some beyond 2^53), with a mix of column types
// Debezium maps differently: text, numeric(12,2), and under Debezium's default
// time.precision.mode (adaptive) its own semantic types, which floe maps to
// Iceberg's: timestamptz (ZonedTimestamp -> timestamptz), timestamp
// (MicroTimestamp -> timestamp), date (Date -> date), uuid (Uuid -> uuid);
// boolean, smallint, double precision, bytea, nullable columns. No time column:
// Spark cannot read a table with an Iceberg time column (the unit tests cover
// MicroTime -> time).
//
// Every value is generated together with its SQL literal and its canonical cell
// (cdc-canonical.ts), so the workload's model of a table compares directly with
// what Postgres and the Iceberg readers return.
import { escapeLiteral } from 'pg';
import type { Rng } from '../sim/rng.ts';
import { canonicalTimestamp } from './canonical-form.ts';

/** The column types the tables use (PostgreSQL's udt_name). */
export type PgType =
  | 'int2'
  | 'int4'
  | 'int8'
  | 'text'
  | 'numeric'
  | 'bool'
  | 'timestamptz'
  | 'timestamp'
  | 'date'
  | 'uuid'
  | 'bytea'
  | 'float8';

export interface CdcColumn {
  readonly name: string;
  readonly type: PgType;
  readonly sqlType: string;
  readonly nullable: boolean;
  readonly key: boolean;
  /** A random value: its SQL literal and canonical cell; null when the value is SQL NULL. */
  readonly generate: (rng: Rng) => GeneratedValue | null;
}

export interface GeneratedValue {
  readonly literal: string;
  readonly cell: string;
}

export interface CdcTable {
  /** The role in the workload; the Postgres table name is chosen per run. */
  readonly role: 'customers' | 'orders';
  readonly columns: readonly CdcColumn[];
}

const NAMES = ['Ana', "O'Brien", 'Zoë', '李雷', 'back\\slash', 'tab\there', 'rocket 🚀', 'quote "x"', ''];
const STATUSES = ['new', 'paid', 'shipped', 'cancelled', 'returned'];
const MICROS_1960 = -315_619_200_000_000;
const MICROS_2040 = 2_208_988_800_000_000;

const value = (literal: string, cell: string): GeneratedValue => ({ literal, cell });

function text(rng: Rng, pool: readonly string[]): GeneratedValue {
  const s = `${rng.pick(pool)} ${rng.int(100_000)}`;
  return value(escapeLiteral(s), s);
}

/** numeric(12,2): an unscaled value of up to 12 digits, as Postgres prints it (two fraction digits). */
function numeric(rng: Rng): GeneratedValue {
  const digits = rng.range(1, 12);
  const unscaled = BigInt(Math.floor(rng.next() * 10 ** digits)) * (rng.chance(0.3) ? -1n : 1n);
  const abs = (unscaled < 0n ? -unscaled : unscaled).toString().padStart(3, '0');
  const t = `${unscaled < 0n ? '-' : ''}${abs.slice(0, -2)}.${abs.slice(-2)}`;
  return value(t, t);
}

/** Uniform in [0, 1) with 53 random bits (Rng.next has 32: too coarse for microseconds over 80 years). */
function fine(rng: Rng): number {
  return (rng.u32() * 2 ** 21 + (rng.u32() >>> 11)) / 2 ** 53;
}

function micros(rng: Rng, unit: number): number {
  return Math.floor((MICROS_1960 + fine(rng) * (MICROS_2040 - MICROS_1960)) / unit) * unit;
}

function timestamptz(rng: Rng): GeneratedValue {
  const us = micros(rng, rng.chance(0.2) ? 1_000_000 : 1);
  return value(`'${canonicalTimestamp(BigInt(us), false)}+00'`, String(us));
}

/** timestamp without time zone, to the microsecond (Debezium's MicroTimestamp), a fifth whole seconds. */
function timestamp(rng: Rng): GeneratedValue {
  const us = micros(rng, rng.chance(0.2) ? 1_000_000 : 1);
  return value(`'${canonicalTimestamp(BigInt(us), false)}'`, String(us));
}

/** A random uuid, written in upper case half the time (Postgres and the readers print lower case). */
function uuid(rng: Rng): GeneratedValue {
  const hex = Array.from({ length: 4 }, () => rng.u32().toString(16).padStart(8, '0')).join('');
  const u = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  return value(`'${rng.chance(0.5) ? u.toUpperCase() : u}'`, u);
}

function date(rng: Rng): GeneratedValue {
  const d = new Date(rng.range(-25_000, 25_000) * 86_400_000).toISOString().slice(0, 10);
  return value(`'${d}'`, d);
}

function bytea(rng: Rng): GeneratedValue {
  const bytes = Buffer.alloc(rng.int(13));
  for (let i = 0; i < bytes.length; i++) bytes[i] = rng.int(256);
  const hex = bytes.toString('hex');
  return value(`'\\x${hex}'::bytea`, hex);
}

function float8(rng: Rng): GeneratedValue {
  const x = rng.chance(0.1)
    ? rng.pick([0, 0.1, -1.5, 1e-7, 12345678.9])
    : (fine(rng) - 0.5) * 10 ** rng.int(9);
  return value(`'${x}'::float8`, String(x));
}

function int(lo: number, hi: number): (rng: Rng) => GeneratedValue {
  return (rng) => {
    const n = String(rng.range(lo, hi));
    return value(n, n);
  };
}

/** A bigint key part: mostly small, a fifth beyond 2^53 (longs that a double would round). */
function orderNo(rng: Rng): GeneratedValue {
  const n = rng.chance(0.2)
    ? 9_007_199_254_740_993n + BigInt(rng.u32()) * 4_096n + BigInt(rng.int(4096))
    : BigInt(rng.range(1, 2_000_000_000));
  return value(String(n), String(n));
}

function column(
  name: string,
  type: PgType,
  sqlType: string,
  options: { nullable?: number; key?: boolean },
  generate: (rng: Rng) => GeneratedValue,
): CdcColumn {
  const nullable = options.nullable ?? 0;
  return {
    name,
    type,
    sqlType,
    nullable: nullable > 0,
    key: options.key ?? false,
    generate: (rng) => (nullable > 0 && rng.chance(nullable) ? null : generate(rng)),
  };
}

export const CUSTOMERS: CdcTable = {
  role: 'customers',
  columns: [
    column('id', 'int4', 'integer', { key: true }, int(1, 2_000_000_000)),
    column('name', 'text', 'text not null', {}, (rng) => text(rng, NAMES)),
    column('email', 'text', 'text', { nullable: 0.3 }, (rng) => text(rng, ['a@x.test', 'b@y.test'])),
    column('balance', 'numeric', 'numeric(12,2)', { nullable: 0.2 }, numeric),
    column('created_at', 'timestamptz', 'timestamptz not null', {}, timestamptz),
    column('birthday', 'date', 'date', { nullable: 0.3 }, date),
    column('active', 'bool', 'boolean not null', {}, (rng) => {
      const b = rng.chance(0.5) ? 'true' : 'false';
      return value(b, b);
    }),
    column('avatar', 'bytea', 'bytea', { nullable: 0.3 }, bytea),
    column('token', 'uuid', 'uuid', { nullable: 0.2 }, uuid),
  ],
};

export const ORDERS: CdcTable = {
  role: 'orders',
  columns: [
    column('customer_id', 'int4', 'integer', { key: true }, int(1, 50_000)),
    column('order_no', 'int8', 'bigint', { key: true }, orderNo),
    column('status', 'text', 'text not null', {}, (rng) => {
      const s = rng.pick(STATUSES);
      return value(escapeLiteral(s), s);
    }),
    column('amount', 'numeric', 'numeric(12,2) not null', {}, numeric),
    column('quantity', 'int2', 'smallint not null', {}, int(-32_768, 32_767)),
    column('weight', 'float8', 'double precision', { nullable: 0.2 }, float8),
    column('placed_at', 'timestamp', 'timestamp', { nullable: 0.2 }, timestamp),
    column('note', 'text', 'text', { nullable: 0.5 }, (rng) => text(rng, NAMES)),
  ],
};

export function createTableSql(table: CdcTable, name: string): string {
  const columns = table.columns.map((c) => `${c.name} ${c.sqlType}`);
  const key = table.columns.filter((c) => c.key).map((c) => c.name);
  return `create table public.${name} (${columns.join(', ')}, primary key (${key.join(', ')}))`;
}

/** A row in the workload's model: one generated value (or null) per column, in column order. */
export type ModelRow = ReadonlyArray<GeneratedValue | null>;

export function randomRow(table: CdcTable, rng: Rng): ModelRow {
  return table.columns.map((c) => c.generate(rng));
}

/** The canonical line of a model row (as cdc-canonical.ts makes of Postgres and reader rows). */
export function modelLine(row: ModelRow): string {
  return JSON.stringify(row.map((v) => (v === null ? null : v.cell)));
}
