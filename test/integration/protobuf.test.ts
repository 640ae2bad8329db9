// value.format protobuf end to end: confluent-kafka's ProtobufSerializer (the
// official Python client, test/interop/produce_protobuf.py) registers three
// versions of a schema in the real registry (a field added inside a nested
// message; then a oneof, a Timestamp, a Duration, a wrapper and a proto3
// optional) and produces records of each; `floe run` lands them in one table,
// evolving it; PyIceberg, Spark and DuckDB read the same rows, and every row
// equals what the producer says it produced.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import type { Catalog } from '../../src/catalog/catalog.ts';
import { createTopic } from '../support/kafka-tools.ts';
import { readerPython } from '../support/reader-python.ts';
import { services, uniqueName } from '../support/services.ts';
import { openCatalog, readerCatalog, waitForRecords } from '../support/table-watch.ts';
import { expectReadersAgree } from '../support/three-readers.ts';
import { WorkerProcess, writeWorkerConfig } from '../support/worker-process.ts';

const run = promisify(execFile);
const PER_VERSION = 400;
const PARTITIONS = 3;

/** Produces one schema version's records with the Confluent client; the rows it says the table must hold. */
async function produceVersion(
  topic: string,
  pkg: string,
  version: number,
): Promise<Array<Record<string, unknown>>> {
  const script = join(services.root, 'test/interop/produce_protobuf.py');
  const { stdout } = await run(
    readerPython(),
    [
      script,
      ...['--bootstrap', services.kafkaBrokers, '--registry', services.registryUrl],
      ...['--topic', topic, '--package', pkg, '--version', String(version)],
      ...['--records', String(PER_VERSION), '--first-id', String(version * 10_000)],
    ],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  return stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('floe run: Protobuf through the schema registry', () => {
  let catalog: Catalog | undefined;
  afterAll(async () => {
    await catalog?.close();
  });

  it('lands three schema versions written by the Confluent Protobuf serializer; three readers agree with the producer', async () => {
    const topic = uniqueName('proto');
    const pkg = topic.replace(/[^a-z0-9_]/g, '_');
    const table = `it_rest.${topic}`;
    await createTopic(topic, PARTITIONS);
    const produced: Array<Record<string, unknown>> = [];
    for (const version of [1, 2, 3]) produced.push(...(await produceVersion(topic, pkg, version)));
    expect(produced).toHaveLength(3 * PER_VERSION);

    const subject = await fetch(`${services.registryUrl}/subjects/${topic}-value/versions`);
    expect(await subject.json()).toEqual([1, 2, 3]);

    const setup = writeWorkerConfig({
      groupId: uniqueName('group'),
      catalog: 'rest',
      connectors: {
        orders: {
          topics: [topic],
          value: { format: 'protobuf' },
          table,
          commit: { intervalMs: 2000 },
        },
      },
    });
    const worker = new WorkerProcess(setup);
    catalog = await openCatalog('rest', setup);
    await waitForRecords(catalog, table, produced.length, {
      timeoutMs: 120_000,
      failFast: () =>
        worker.child.exitCode !== null ? `worker exited:\n${worker.lines.slice(-20).join('\n')}` : undefined,
    });
    expect(await worker.stop()).toEqual({ code: 0, signal: null });
    const evolved = worker.lines.filter((line) => line.includes('customer.phone'));
    expect(evolved.length).toBeGreaterThan(0);

    const rows = (await expectReadersAgree(readerCatalog('rest', setup), [table])).get(table)!;
    const byId = (a: Record<string, unknown>, b: Record<string, unknown>) =>
      (a.id as number) - (b.id as number);
    rows.sort(byId);
    produced.sort(byId);
    expect(rows).toHaveLength(produced.length);
    for (let i = 0; i < produced.length; i++) {
      if (JSON.stringify(rows[i]) !== JSON.stringify(produced[i])) expect(rows[i]).toEqual(produced[i]);
    }
  });
});
