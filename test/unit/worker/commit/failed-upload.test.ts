// A data-file upload that fails during a roll-over threw out of processRun after
// the file's rows left the writer, and the worker's shutdown path (disconnect ->
// onRevoked -> commit) then committed the batch's offsets without them. Any
// error that is not a record's discards the batch.
import { describe, expect, it } from 'vitest';
import type { FileIO } from '../../../../src/io/file-io.ts';
import { silentLogger } from '../../../../src/log.ts';
import { ConnectorRuntime } from '../../../../src/worker/connector-runtime.ts';
import { noMetrics } from '../../../../src/worker/worker-metrics.ts';
import { record, settings, stack, table } from '../../../support/in-process-connector.ts';
import { scriptedWorker } from '../../../support/scripted-consumer.ts';

const single = settings('single', { kind: 'single', table: table('a') });
const tp = { topic: 't', partition: 0 };

describe('a failed data file upload', () => {
  it('never commits offsets past rows that were not written', async () => {
    const s = stack();
    let failures = 1;
    const io: FileIO = {
      read: (p) => s.io.read(p),
      exists: (p) => s.io.exists(p),
      delete: (p) => s.io.delete(p),
      list: (p) => s.io.list(p),
      write: async (p, d, o) => {
        if (p.endsWith('.parquet') && failures > 0) {
          failures--;
          throw new Error('S3 503 SlowDown (retries exhausted)');
        }
        return s.io.write(p, d, o);
      },
    };
    const runtime = new ConnectorRuntime({
      settings: single,
      catalog: s.catalog,
      io,
      log: silentLogger,
      metrics: noMetrics,
      maxFileBytes: 1, // every file is "full" at the roll check (every 20 000 rows)
    });
    const records = Array.from({ length: 25_000 }, (_, i) => record(0, i, { id: i, kind: 'a' }));
    const { worker, stop } = scriptedWorker(runtime, [tp], [async () => records]);
    await expect(worker.run(stop.signal)).rejects.toThrow('S3 503');
    const offset = (await s.offsets(table('a'), 'single')).get(0);
    const rows = await s.rows(table('a'));
    expect(rows).toBe(Number(offset ?? 0n)); // before the fix: offset 19999, rows 0
  }, 120_000);
});
