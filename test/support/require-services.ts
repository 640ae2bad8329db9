// Vitest global setup of the integration project: fail at once, with the
// command to run, when the service stack is not up (instead of timing out).
// It also makes this vitest process the owner of the run's Spark reader server
// (spark-server.ts: started by the first Spark read of any file, shared by all),
// which the teardown stops.
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { services } from './services.ts';
import { SPARK_READER_OWNER, stopSparkServer } from './spark-server.ts';

async function tcpOpen(hostPort: string): Promise<boolean> {
  const [host, port] = hostPort.split(':') as [string, string];
  return new Promise((resolve) => {
    const socket = connect({ host, port: Number(port), timeout: 1500 });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

async function httpAnswers(url: string): Promise<boolean> {
  try {
    await fetch(url, { signal: AbortSignal.timeout(2000) });
    return true;
  } catch {
    return false;
  }
}

export async function setup(): Promise<void> {
  // Worker processes inherit it: every test file's Spark reads go to one server.
  process.env[SPARK_READER_OWNER] ??= String(process.pid);
  const checks: Array<[string, Promise<boolean>]> = [
    [`Kafka broker at ${services.kafkaBrokers}`, tcpOpen(services.kafkaBrokers)],
    [`kfake broker at ${services.kfakeBrokers}`, tcpOpen(services.kfakeBrokers)],
    [`S3 store at ${services.s3.endpoint}`, httpAnswers(services.s3.endpoint)],
    [`Iceberg REST catalog at ${services.restUri}`, httpAnswers(`${services.restUri}/v1/config`)],
    [`schema registry at ${services.registryUrl}`, httpAnswers(`${services.registryUrl}/subjects`)],
    [`PostgreSQL at ${new URL(services.postgresUrl).host}`, tcpOpen(new URL(services.postgresUrl).host)],
    [`PyIceberg reader at ${services.readerPython}`, Promise.resolve(existsSync(services.readerPython))],
  ];
  const down: string[] = [];
  for (const [name, check] of checks) if (!(await check)) down.push(name);
  if (down.length > 0) {
    throw new Error(
      `integration tests need the local service stack, and these are not answering:\n  - ${down.join('\n  - ')}\n` +
        'Start it with:  scripts/services up     (first run downloads and builds; see README.md)',
    );
  }
}

export async function teardown(): Promise<void> {
  await stopSparkServer();
}
