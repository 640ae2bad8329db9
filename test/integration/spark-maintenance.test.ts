// Issue 13's scenario with Spark as the other engine, on the REST catalog: Spark
// creates a merge-on-read table with position deletes; floe appends to it and is
// killed -9 right after a commit; Spark then compacts (rewrite_data_files, deletes
// applied) and expires every snapshot but the newest, so no snapshot carries
// floe's offsets any more; floe restarts under a new group (no group offset to
// fall back on) and must continue exactly where its last commit ended. PyIceberg,
// Spark and DuckDB read the same rows: Spark's undeleted ones and every record once.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { useNewGroup } from '../support/group-reset.ts';
import { createTopic } from '../support/kafka-tools.ts';
import { produceNumbered } from '../support/produce.ts';
import { catalogArgs, type ReaderCatalog } from '../support/reader.ts';
import { readerPython } from '../support/reader-python.ts';
import { services, uniqueName } from '../support/services.ts';
import { openCatalog, waitForRecords } from '../support/table-watch.ts';
import { expectReadersAgree } from '../support/three-readers.ts';
import { WorkerProcess, writeWorkerConfig } from '../support/worker-process.ts';

const run = promisify(execFile);
const rest: ReaderCatalog = { kind: 'rest' };

async function spark(action: string, table: string, ...extra: string[]): Promise<Record<string, number>> {
  const script = join(services.root, 'test/interop/spark_maintain.py');
  const { stdout } = await run(readerPython(), [script, ...catalogArgs(rest), action, table, ...extra], {
    maxBuffer: 16 << 20,
  });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, number>;
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

describe('offsets through Spark compaction and expiry', () => {
  it('floe killed -9 after a commit, Spark compacts and expires, floe resumes exactly once', async () => {
    const topic = uniqueName('sparkmaint');
    const table = `${uniqueName('sm')}.events`;
    // Spark's table: ids 0..99, every tenth deleted by a position delete.
    expect(await spark('create-mor', table, '--rows', '100')).toEqual({ rows: 90, deleteFiles: 1 });

    await createTopic(topic, 2);
    const json = (i: number) => Buffer.from(JSON.stringify({ id: i, kind: 'floe' }));
    await produceNumbered(topic, 2, range(1000, 2000), json);
    const connectors = {
      events: { topics: [topic], value: { format: 'json' }, table, commit: { intervalMs: 500 } },
    };
    const setup = writeWorkerConfig({ groupId: uniqueName('group'), catalog: 'rest', connectors });
    const catalog = await openCatalog('rest', setup);
    try {
      const first = new WorkerProcess(setup);
      await waitForRecords(catalog, table, 100 + 1000);
      expect((await first.kill9()).signal).toBe('SIGKILL');

      const maintained = await spark('compact-expire', table);
      expect(maintained.snapshotsLeft).toBe(1);
      expect(maintained.rewrittenFiles).toBeGreaterThan(0);

      await produceNumbered(topic, 2, range(2000, 2500), json);
      const again = { ...setup, configFile: useNewGroup(setup.configFile, uniqueName('group')) };
      const second = new WorkerProcess(again);
      // 90 of Spark's rows (its deletes applied by the rewrite) + 1,500 of floe's.
      await waitForRecords(catalog, table, 90 + 1500);
      await new Promise((resolve) => setTimeout(resolve, 3000)); // a duplicate would land meanwhile
      expect(await second.stop()).toEqual({ code: 0, signal: null });
    } finally {
      await catalog.close();
    }
    const rows = (await expectReadersAgree(rest, [table])).get(table)!;
    const ids = rows.map((row) => Number(row.id)).sort((a, b) => a - b);
    const sparkIds = range(0, 100).filter((i) => i % 10 !== 0);
    expect(ids).toEqual([...sparkIds, ...range(1000, 2500)]);
  }, 900_000); // four Spark JVMs (~15-60 s each, more on a busy machine)
});
