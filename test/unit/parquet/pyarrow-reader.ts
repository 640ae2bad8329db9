// Runs test/interop/read_parquet.py (PyArrow, optionally PyIceberg) on Parquet bytes.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { readerPython } from '../../support/reader-python.ts';

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
  const python = readerPython();
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
    const stdout = execFileSync(python, args, {
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return JSON.parse(stdout) as PyArrowReadout;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
