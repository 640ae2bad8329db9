// A `floe run` child process's /metrics (its HTTP server listens on the port
// --port 0 gave it, logged as "http server listening"), for tests that wait for
// a state of the worker rather than sleep towards it.
import { metric, parseMetrics, type Sample } from './prometheus-text.ts';
import type { WorkerProcess } from './worker-process.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The port of the worker's HTTP server, from its log. */
export async function workerHttpPort(worker: WorkerProcess, timeoutMs = 60_000): Promise<number> {
  const line = await worker.waitForLine(/"http server listening"/, timeoutMs);
  return (JSON.parse(line) as { port: number }).port;
}

export async function scrapeMetrics(port: number): Promise<Sample[]> {
  const response = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(10_000) });
  if (response.status !== 200) throw new Error(`GET /metrics answered ${response.status}`);
  return parseMetrics(await response.text());
}

/**
 * Polls the worker's floe_records_consumed_total{connector, topic} until it
 * reaches `atLeast`; resolves with the value. The counter grows once a run of
 * records is in the connector's open batch (worker/run-tally.ts). Fails when
 * the worker exits or the time is up.
 */
export async function waitForConsumed(
  worker: WorkerProcess,
  options: { connector: string; topic: string; atLeast: number; timeoutMs?: number },
): Promise<number> {
  const port = await workerHttpPort(worker);
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  let consumed = 0;
  const labels = { connector: options.connector, topic: options.topic };
  const last = () => worker.lines.slice(-10).join('\n');
  for (;;) {
    if (worker.child.exitCode !== null || worker.child.signalCode !== null)
      throw new Error(`the worker exited having consumed ${consumed} records:\n${last()}`);
    consumed = metric(await scrapeMetrics(port), 'floe_records_consumed_total', labels) ?? 0;
    if (consumed >= options.atLeast) return consumed;
    if (Date.now() >= deadline)
      throw new Error(
        `the worker consumed ${consumed} records, not ${options.atLeast}, within ${options.timeoutMs ?? 60_000} ms:\n${last()}`,
      );
    await sleep(100);
  }
}
