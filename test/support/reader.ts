// Runs the independent PyIceberg reader (test/interop/read_table.py) and parses
// its JSON lines.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { services } from './services.ts';

const run = promisify(execFile);

export interface ReaderOutput {
  namespaces: string[][];
  schema?: {
    schema_id: number;
    fields: unknown[];
    /** Every field, nested ones too: [id, name, required, type]. */
    all_fields: Array<[number, string, boolean, string]>;
    schema_string: string;
    partition_spec: string;
  };
  snapshots: Array<{
    snapshot_id: string;
    parent_id: string | null;
    sequence_number: number;
    summary: Record<string, string>;
  }>;
  rows: Array<Record<string, unknown>>;
  scan?: { filter: string; files: number; all_files: number };
}

export type ReaderCatalog = { kind: 'rest' } | { kind: 'sql'; uri: string; warehouse: string; name?: string };

/** The catalog options every test/interop script takes (catalog_args.py). */
export function catalogArgs(catalog: ReaderCatalog): string[] {
  const s3 = [
    ...['--s3-endpoint', services.s3.endpoint, '--s3-access-key', services.s3.accessKeyId],
    ...['--s3-secret-key', services.s3.secretAccessKey, '--s3-region', services.s3.region],
  ];
  if (catalog.kind === 'rest') return ['--catalog', 'rest', '--uri', services.restUri, ...s3];
  return [
    ...['--catalog', 'sql', '--uri', catalog.uri, '--warehouse', catalog.warehouse],
    ...(catalog.name ? ['--name', catalog.name] : []),
    ...(catalog.warehouse.startsWith('s3://') ? s3 : []),
  ];
}

/** Another engine's maintenance: PyIceberg appends rows id = start.. (other columns null), then expires every older snapshot. */
export async function appendAndExpireWithPyIceberg(
  catalog: ReaderCatalog,
  table: string,
  rows: number,
  start: number,
): Promise<void> {
  const script = join(services.root, 'test/interop/write_table.py');
  await run(services.readerPython, [
    script,
    ...catalogArgs(catalog),
    ...['--rows', String(rows), '--start', String(start)],
    'append-expire',
    table,
  ]);
}

/** PyIceberg creates `table` (see test/interop/write_table.py for its schema and rows) and appends `rows` rows. */
export async function createAndAppendWithPyIceberg(
  catalog: ReaderCatalog,
  table: string,
  rows: number,
): Promise<void> {
  const script = join(services.root, 'test/interop/write_table.py');
  await run(services.readerPython, [
    script,
    ...catalogArgs(catalog),
    '--rows',
    String(rows),
    'create-append',
    table,
  ]);
}

export async function readWithPyIceberg(
  catalog: ReaderCatalog,
  command: 'namespaces' | 'table',
  options: { table?: string; filter?: string; noRows?: boolean } = {},
): Promise<ReaderOutput> {
  const args = [join(services.root, 'test/interop/read_table.py'), ...catalogArgs(catalog)];
  if (options.filter) args.push('--filter', options.filter);
  if (options.noRows) args.push('--no-rows');
  args.push(command);
  if (options.table) args.push(options.table);
  const { stdout } = await run(services.readerPython, args, { maxBuffer: 1024 * 1024 * 1024 });
  const out: ReaderOutput = { namespaces: [], snapshots: [], rows: [] };
  for (const line of stdout.split('\n')) {
    if (line.trim() === '') continue;
    const item = JSON.parse(line) as { type: string } & Record<string, unknown>;
    if (item.type === 'namespace') out.namespaces.push(item.name as string[]);
    else if (item.type === 'schema') out.schema = item as unknown as NonNullable<ReaderOutput['schema']>;
    else if (item.type === 'snapshot')
      out.snapshots.push(item as unknown as ReaderOutput['snapshots'][number]);
    else if (item.type === 'row') out.rows.push(item.row as Record<string, unknown>);
    else if (item.type === 'scan') out.scan = item as unknown as NonNullable<ReaderOutput['scan']>;
  }
  return out;
}
