// Reads Iceberg tables through Spark with the run's Spark reader server
// (spark-server.ts, test/interop/spark_server.py): the arguments and the output
// are read_spark.py's, one "NS.NAME<TAB>{canonical row JSON}" line per row, so a
// read costs what Spark's scan costs, not a JVM start.
//
//   const text = await readWithSpark({ kind: 'rest' }, ['ns.t'], { lineage: true });
//
// A refused read (no such table, a bad catalog) throws with Spark's one-line
// error; a server that dies during a read throws with the tail of its log, and
// the next read starts a new one (as does a read that finds it gone, e.g. idle).
import { request } from 'node:http';
import { catalogArgs, type ReaderCatalog } from './reader.ts';
import { forgetSparkServer, type SparkServer, sparkServer, sparkServerLogTail } from './spark-server.ts';

/** Longer than any test's timeout: only a wedged server reaches it. */
const READ_TIMEOUT_MS = 30 * 60_000;

export interface SparkReadOptions {
  /** Adds Spark's _row_id, _last_updated_sequence_number, _file and _pos to each row (read_spark.py --lineage). */
  readonly lineage?: boolean;
}

function post(server: SparkServer, argv: string[]): Promise<{ status: number; text: string }> {
  const body = JSON.stringify({ argv });
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: server.port,
        path: '/read',
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) },
        timeout: READ_TIMEOUT_MS,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.once('end', () =>
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
        );
        res.once('error', reject);
      },
    );
    req.once('timeout', () => req.destroy(new Error(`no answer within ${READ_TIMEOUT_MS / 60_000} min`)));
    req.once('error', reject);
    req.end(body);
  });
}

/** What read_spark.py prints for these tables: one canonical line per row, tables in order. */
export async function readWithSpark(
  catalog: ReaderCatalog,
  tables: string[],
  options: SparkReadOptions = {},
): Promise<string> {
  const argv = [...catalogArgs(catalog), ...(options.lineage ? ['--lineage'] : []), ...tables];
  let server = await sparkServer();
  let answer: { status: number; text: string };
  try {
    answer = await post(server, argv).catch(async (error: unknown) => {
      // Refused: it had stopped (idle) before this read reached it; a new one reads.
      if ((error as NodeJS.ErrnoException).code !== 'ECONNREFUSED') throw error;
      forgetSparkServer();
      server = await sparkServer();
      return post(server, argv);
    });
  } catch (error) {
    forgetSparkServer();
    throw new Error(
      `the Spark reader server (pid ${server.pid}) failed while reading ${tables.join(', ')}: ${String(error)}\n` +
        `its log (${server.log}):\n${sparkServerLogTail(server.log)}`,
    );
  }
  if (answer.status !== 200) {
    throw new Error(`Spark could not read ${tables.join(', ')} (HTTP ${answer.status}): ${answer.text}`);
  }
  return answer.text;
}
