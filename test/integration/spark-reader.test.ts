// The run's Spark reader server (test/support/spark-server.ts,
// test/interop/spark_server.py), which every Spark read of the integration tests
// goes through: one server per vitest run, owned by the vitest process; a read
// prints read_spark.py's canonical lines; a refused read comes back as Spark's
// one-line error and the server keeps serving.
import { describe, expect, it } from 'vitest';
import { createAndAppendWithPyIceberg, type ReaderCatalog } from '../support/reader.ts';
import { uniqueName } from '../support/services.ts';
import { readWithSpark } from '../support/spark-read.ts';
import { SPARK_READER_OWNER, sparkServer } from '../support/spark-server.ts';

const rest: ReaderCatalog = { kind: 'rest' };

describe('the Spark reader server', () => {
  it('belongs to the vitest run, not to this file', async () => {
    // The global setup's process (this worker's parent) owns it, so later files connect to it.
    expect(process.env[SPARK_READER_OWNER]).toBe(String(process.ppid));
    const server = await sparkServer();
    expect(server.pid).not.toBe(process.pid);
    expect((await sparkServer()).port).toBe(server.port);
  });

  it("answers a refused read with Spark's error and keeps serving", async () => {
    const namespace = uniqueName('sparkserver');
    const table = `${namespace}.t`;
    await createAndAppendWithPyIceberg(rest, table, 30);
    await expect(readWithSpark(rest, [`${namespace}.missing`])).rejects.toThrow(
      new RegExp(`HTTP 422\\): cannot read ${namespace}\\.missing: \\[TABLE_OR_VIEW_NOT_FOUND\\]`),
    );
    await expect(
      readWithSpark({ kind: 'sql', uri: 'sqlite:////nonexistent/c.db', warehouse: '/tmp' }, [table]),
    ).rejects.toThrow('no SQLite catalog file at /nonexistent/c.db');
    const lines = (await readWithSpark(rest, [table])).trimEnd().split('\n').sort();
    expect(lines).toHaveLength(30);
    // write_table.py's row 3, in canonical.py's form
    expect(lines).toContain(
      `${table}\t{"amount":"3.25","id":3,"name":"py-3","ts":"2024-05-01T03:00:00.000000Z"}`,
    );
  });
});
