// Times a PyIceberg full scan of a REST-catalog table (the reader venv of
// scripts/services): planning (plan_files) and reading everything (to_arrow).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { BenchServices } from '../e2e/bench-services.ts';

const run = promisify(execFile);

export interface ScanTiming {
  readonly planSeconds: number;
  readonly readSeconds: number;
  readonly rows: number;
  readonly files: number;
}

const SCRIPT = `
import json, sys, time
from pyiceberg.catalog import load_catalog
uri, endpoint, key, secret, region, table = sys.argv[1:7]
catalog = load_catalog("soak", type="rest", uri=uri, **{
    "s3.endpoint": endpoint, "s3.access-key-id": key, "s3.secret-access-key": secret,
    "s3.region": region, "s3.path-style-access": "true"})
t0 = time.monotonic()
t = catalog.load_table(table)
files = len(list(t.scan().plan_files()))
t1 = time.monotonic()
rows = t.scan().to_arrow().num_rows
t2 = time.monotonic()
print(json.dumps({"plan": t1 - t0, "read": t2 - t1, "rows": rows, "files": files}))
`;

export async function timePyIcebergScan(
  python: string,
  services: BenchServices,
  table: string,
): Promise<ScanTiming> {
  const { s3 } = services;
  const { stdout } = await run(
    python,
    ['-c', SCRIPT, services.restUri, s3.endpoint, s3.accessKeyId, s3.secretAccessKey, s3.region, table],
    { maxBuffer: 16 * 1024 * 1024, timeout: 15 * 60_000 },
  );
  const out = JSON.parse(stdout.trim().split('\n').at(-1)!) as {
    plan: number;
    read: number;
    rows: number;
    files: number;
  };
  return { planSeconds: out.plan, readSeconds: out.read, rows: out.rows, files: out.files };
}
