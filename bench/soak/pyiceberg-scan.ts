// Times a PyIceberg full scan of a REST-catalog table (the reader venv of
// scripts/services): planning (plan_files) and reading everything (to_arrow).
// On a shared machine the wall time follows the load, so the script also
// reports what does not: the CPU seconds (user + sys, all threads) the Python
// process spent in each phase, and the plan's work: manifests in the current
// list (the ones a full scan reads), data files planned, delete files attached.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { BenchServices } from '../e2e/bench-services.ts';

const run = promisify(execFile);

export interface ScanTiming {
  readonly planSeconds: number;
  readonly readSeconds: number;
  /** CPU seconds (user + sys of the Python process) of load + plan_files, and of to_arrow. */
  readonly planCpuSeconds: number;
  readonly readCpuSeconds: number;
  readonly rows: number;
  /** Data files planned (FileScanTasks). */
  readonly files: number;
  /** Manifests in the current snapshot's manifest list (a full scan reads them all). */
  readonly manifests: number;
  /** Delete files attached to the planned tasks (distinct paths). */
  readonly deleteFiles: number;
}

const SCRIPT = `
import json, resource, sys, time
from pyiceberg.catalog import load_catalog
def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime
uri, endpoint, key, secret, region, table = sys.argv[1:7]
catalog = load_catalog("soak", type="rest", uri=uri, **{
    "s3.endpoint": endpoint, "s3.access-key-id": key, "s3.secret-access-key": secret,
    "s3.region": region, "s3.path-style-access": "true"})
t0, c0 = time.monotonic(), cpu()
t = catalog.load_table(table)
tasks = list(t.scan().plan_files())
t1, c1 = time.monotonic(), cpu()
rows = t.scan().to_arrow().num_rows
t2, c2 = time.monotonic(), cpu()
snap = t.current_snapshot()
manifests = len(snap.manifests(t.io)) if snap is not None else 0
deletes = len({d.file_path for task in tasks for d in task.delete_files})
print(json.dumps({"plan": t1 - t0, "read": t2 - t1, "planCpu": c1 - c0, "readCpu": c2 - c1,
    "rows": rows, "files": len(tasks), "manifests": manifests, "deletes": deletes}))
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
    planCpu: number;
    readCpu: number;
    rows: number;
    files: number;
    manifests: number;
    deletes: number;
  };
  return {
    planSeconds: out.plan,
    readSeconds: out.read,
    planCpuSeconds: out.planCpu,
    readCpuSeconds: out.readCpu,
    rows: out.rows,
    files: out.files,
    manifests: out.manifests,
    deleteFiles: out.deletes,
  };
}

/** One line: wall and CPU seconds of plan and read, and the plan's work. */
export function formatScan(t: ScanTiming): string {
  const s = (n: number) => n.toFixed(2);
  return (
    `wall ${s(t.planSeconds)}+${s(t.readSeconds)} cpu ${s(t.planCpuSeconds)}+${s(t.readCpuSeconds)} ` +
    `(${t.manifests} manifests, ${t.files} files, ${t.deleteFiles} deletes, ${t.rows} rows)`
  );
}
