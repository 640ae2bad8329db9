// Runs test/interop/read_parquet.py (PyArrow, optionally PyIceberg) on Parquet bytes.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

// The reader venv `scripts/services up` provisions (PyArrow + PyIceberg); missing, the tests fail.
export const READER_PYTHON =
  process.env.FLOE_READER_PYTHON ??
  join(process.env.FLOE_CACHE ?? join(homedir(), '.cache', 'floe'), 'reader-venv', 'bin', 'python');

function requireReader(): void {
  if (!existsSync(READER_PYTHON)) {
    throw new Error(
      `no Python reader at ${READER_PYTHON}: run scripts/services up (it provisions the reader venv)`,
    );
  }
}
const SCRIPT = resolve(import.meta.dirname, '../../interop/read_parquet.py');

export interface PyArrowField {
  name: string;
  field_id: number | null;
  type: string;
  nullable: boolean;
  children: PyArrowField[];
}

export interface PyArrowReadout {
  arrow_schema: PyArrowField[];
  columns: Array<{
    path: string;
    physical_type: string;
    logical_type: Record<string, unknown>;
    field_id: number | null;
  }>;
  row_groups: Array<{
    num_rows: number;
    columns: Array<{
      path: string;
      num_values: number;
      null_count: number | null;
      total_compressed_size: number;
      compression: string;
    }>;
  }>;
  rows: Array<Record<string, unknown>>;
  iceberg_rows?: Array<Record<string, unknown>>;
}

export function readParquetWithPyArrow(parquet: Uint8Array, icebergSchemaJson?: unknown): PyArrowReadout {
  requireReader();
  const dir = mkdtempSync(join(tmpdir(), 'floe-parquet-'));
  try {
    const file = join(dir, 'data.parquet');
    writeFileSync(file, parquet);
    const args = [SCRIPT, file];
    if (icebergSchemaJson !== undefined) {
      const schemaFile = join(dir, 'schema.json');
      writeFileSync(schemaFile, JSON.stringify(icebergSchemaJson));
      args.push('--iceberg-schema', schemaFile);
    }
    const stdout = execFileSync(READER_PYTHON, args, {
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return JSON.parse(stdout) as PyArrowReadout;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
