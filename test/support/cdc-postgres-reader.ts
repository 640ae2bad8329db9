// Reads a Postgres table of the CDC chain test the way the comparison needs it:
// `SELECT *` with node-postgres' type parsers off (Postgres' own text output, in a
// UTC session) turned into canonical lines (cdc-canonical.ts), to compare with the
// Iceberg table the readers return and with the workload's model.
import pg from 'pg';
import { canonicalLine } from './cdc-canonical.ts';
import type { CdcTable } from './cdc-tables.ts';
import { services } from './services.ts';

const RAW_TEXT = { getTypeParser: () => (text: string) => text } as unknown as pg.CustomTypesConfig;

/** A client on the stack's PostgreSQL (FLOE_PG_URL), its session in UTC. */
export async function connectPostgres(url = services.postgresUrl): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query("set time zone 'UTC'");
  return client;
}

/** Every row of `public.<name>` as canonical lines (unsorted). Checks the table's columns are the definition's. */
export async function readPostgresLines(client: pg.Client, table: CdcTable, name: string): Promise<string[]> {
  const result = await client.query<Record<string, string | null>>({
    text: `select * from public.${name}`,
    types: RAW_TEXT,
  });
  const have = result.fields.map((f) => f.name).join(',');
  const want = table.columns.map((c) => c.name).join(',');
  if (have !== want) throw new Error(`public.${name} has columns ${have}, expected ${want}`);
  return result.rows.map((row) => canonicalLine(table.columns, row));
}
