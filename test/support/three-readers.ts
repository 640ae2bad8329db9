// Reads Iceberg tables with the three independent readers of the tests and
// asserts that they return the same rows: PyIceberg (test/interop/read_table.py
// --canonical), Spark with the Iceberg runtime (read_spark.py's reads, served by
// spark_server.py) and DuckDB's iceberg extension (read_duckdb.py), all from the
// reader venv `scripts/services up` provisions. Each prints one line of canonical
// JSON per row (test/interop/canonical.py: timestamps UTC ISO with six digits and
// "Z" when zoned, decimals as strings, bytes and fixed as "0x…" hex, uuids as
// strings, maps as sorted [key, value] pairs); the rows are compared as sorted
// lines, so order does not matter and longs stay exact.
//
// Use:
//   const rows = await expectReadersAgree({ kind: 'rest' }, ['ns.orders', 'ns.clicks']);
//   expect(rows.get('ns.orders')).toHaveLength(1000);   // parsed canonical rows
//   // every value equal to what was written: canonical-form.ts
//   expect(sortById(rows.get('ns.orders')!)).toEqual(written.map((r) => canonicalRow(schema, r)));
// Spark reads through the run's Spark reader server (spark-read.ts): one JVM for
// the whole integration run, started by the first read (15 s idle, 30-90 s on the
// loaded 2-core machines; later reads cost only the scan). The others start a
// Python process per call (a few s). Name every table a test wants read in one
// call; give a test that reads a lot a longer timeout (600_000). SQL catalogs:
// { kind: 'sql', uri: 'sqlite:////abs/catalog.db' | 'postgresql+psycopg2://…',
//   warehouse, name } as for readWithPyIceberg; Spark reads a copy of a SQLite file
// (with its -wal), PostgreSQL in place; DuckDB reads the current metadata file of
// each table (it cannot attach a SQL catalog). REST: Spark and DuckDB use the catalog.
// Known limits: PyIceberg reads a NULL list<struct> / map<k, struct> value as empty
// (iceberg-python #3833), so such values make the readers differ; `time` and
// nanosecond columns are untried; DuckDB does not apply equality deletes.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { catalogArgs, type ReaderCatalog } from './reader.ts';
import { readerPython } from './reader-python.ts';
import { services } from './services.ts';
import { readWithSpark } from './spark-read.ts';

const run = promisify(execFile);

export const READERS = ['pyiceberg', 'spark', 'duckdb'] as const;
export type ReaderName = (typeof READERS)[number];

/** The script in test/interop of each reader run per call, and what comes between the catalog options and the tables. */
const SCRIPTS: Record<Exclude<ReaderName, 'spark'>, [string, ...string[]]> = {
  pyiceberg: ['read_table.py', '--canonical', 'table'],
  duckdb: ['read_duckdb.py'],
};

/** Per table, per reader: the canonical row lines, sorted. */
export type ReaderLines = Map<string, Record<ReaderName, string[]>>;

/** What the reader prints for the tables: "NS.NAME<TAB>{canonical row}" lines. */
async function readerOutput(reader: ReaderName, catalog: ReaderCatalog, tables: string[]): Promise<string> {
  if (reader === 'spark') {
    try {
      return await readWithSpark(catalog, tables);
    } catch (error) {
      throw new Error(
        `spark could not read ${tables.join(', ')} (spark_server.py):\n${(error as Error).message}`,
      );
    }
  }
  const [script, ...before] = SCRIPTS[reader];
  const args = [join(services.root, 'test/interop', script), ...catalogArgs(catalog), ...before, ...tables];
  try {
    return (await run(readerPython(), args, { maxBuffer: 1024 * 1024 * 1024 })).stdout;
  } catch (error) {
    const stderr = String((error as { stderr?: string }).stderr ?? '');
    const tail = stderr.trim().split('\n').slice(-25).join('\n');
    throw new Error(`${reader} could not read ${tables.join(', ')} (${script}):\n${tail}`);
  }
}

async function readWith(
  reader: ReaderName,
  catalog: ReaderCatalog,
  tables: string[],
): Promise<Map<string, string[]>> {
  const stdout = await readerOutput(reader, catalog, tables);
  const byTable = new Map<string, string[]>(tables.map((t) => [t, []]));
  for (const line of stdout.split('\n')) {
    if (line === '') continue;
    const tab = line.indexOf('\t');
    const lines = byTable.get(line.slice(0, tab));
    if (tab < 0 || !lines) throw new Error(`${reader} printed an unexpected line: ${line.slice(0, 200)}`);
    lines.push(line.slice(tab + 1));
  }
  for (const lines of byTable.values()) lines.sort();
  return byTable;
}

/** Reads every table with each reader (the three run side by side): canonical lines per table and reader. */
export async function readWithThreeReaders(catalog: ReaderCatalog, tables: string[]): Promise<ReaderLines> {
  const reads = await Promise.all(READERS.map((reader) => readWith(reader, catalog, tables)));
  const out: ReaderLines = new Map();
  for (const table of tables) {
    const [pyiceberg, spark, duckdb] = reads.map((r) => r.get(table) ?? []) as [string[], string[], string[]];
    out.set(table, { pyiceberg, spark, duckdb });
  }
  return out;
}

function missingFrom(have: string[], want: string[]): string[] {
  const counts = new Map<string, number>();
  for (const line of have) counts.set(line, (counts.get(line) ?? 0) + 1);
  const missing: string[] = [];
  for (const line of want) {
    const n = counts.get(line) ?? 0;
    if (n === 0) missing.push(line);
    else counts.set(line, n - 1);
  }
  return missing;
}

/** Undefined when every reader returned the same rows for every table; otherwise what differs, first lines of each side. */
export function readerDifferences(reads: ReaderLines, shown = 5): string | undefined {
  const problems: string[] = [];
  for (const [table, byReader] of reads) {
    const base = byReader.pyiceberg;
    for (const other of ['spark', 'duckdb'] as const) {
      const theirs = byReader[other];
      const onlyBase = missingFrom(theirs, base);
      const onlyOther = missingFrom(base, theirs);
      if (onlyBase.length === 0 && onlyOther.length === 0) continue;
      problems.push(
        `${table}: pyiceberg read ${base.length} rows, ${other} ${theirs.length}; ` +
          `${onlyBase.length} only in pyiceberg, ${onlyOther.length} only in ${other}`,
        ...onlyBase.slice(0, shown).map((l) => `  pyiceberg: ${l}`),
        ...onlyOther.slice(0, shown).map((l) => `  ${other}: ${l}`),
      );
    }
  }
  return problems.length === 0 ? undefined : problems.join('\n');
}

/**
 * Reads the tables with PyIceberg, Spark and DuckDB and throws, with the rows that
 * differ, unless all three return the same rows. Returns the agreed rows per table,
 * parsed (numbers beyond 2^53 lose precision: compare such columns on the lines of
 * readWithThreeReaders).
 */
export async function expectReadersAgree(
  catalog: ReaderCatalog,
  tables: string[],
): Promise<Map<string, Array<Record<string, unknown>>>> {
  const reads = await readWithThreeReaders(catalog, tables);
  const differences = readerDifferences(reads);
  if (differences) throw new Error(`the readers disagree:\n${differences}`);
  const rows = new Map<string, Array<Record<string, unknown>>>();
  for (const [table, byReader] of reads) {
    rows.set(
      table,
      byReader.pyiceberg.map((line) => JSON.parse(line) as Record<string, unknown>),
    );
  }
  return rows;
}
