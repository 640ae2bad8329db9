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
import protobuf from 'protobufjs';
import { afterAll, describe, expect, it } from 'vitest';
import type { Catalog } from '../../src/catalog/catalog.ts';
import { messageIndexBytes } from '../../src/codec/protobuf-wire-format.ts';
import { createValueDecoder } from '../../src/codec/record-decoder.ts';
import { SchemaRegistryClient } from '../../src/codec/schema-registry-client.ts';
import { confluentHeader } from '../../src/codec/wire-format.ts';
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

/** Registers a schema through the registry's Confluent API; its id. */
async function register(subject: string, body: Record<string, unknown>): Promise<number> {
  const response = await fetch(`${services.registryUrl}/subjects/${encodeURIComponent(subject)}/versions`, {
    method: 'POST',
    headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
    body: JSON.stringify({ schemaType: 'PROTOBUF', ...body }),
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { id: number }).id;
}

describe('Protobuf .proto text in the registry (what Java serializers register)', () => {
  it('decodes a message nested in a file that imports another subject', async () => {
    const name = uniqueName('prototext');
    const common = `syntax = "proto3"; package ${name}; message Money { string currency = 1; int64 units = 2; }`;
    const order = `syntax = "proto3";
package ${name};
import "${name}/common.proto";
import "google/protobuf/timestamp.proto";
message Order {
  message Line { string sku = 1; Money price = 2; google.protobuf.Timestamp at = 3; }
  repeated Line lines = 1;
}`;
    await register(`${name}/common.proto`, { schema: common });
    const id = await register(`${name}-value`, {
      schema: order,
      references: [{ name: `${name}/common.proto`, subject: `${name}/common.proto`, version: 1 }],
    });
    const root = new protobuf.Root();
    root.addJSON(protobuf.common.get('google/protobuf/timestamp.proto')!.nested!);
    protobuf.parse(common, root, { keepCase: true });
    protobuf.parse(order, root, { keepCase: true });
    const line = root.lookupType(`${name}.Order.Line`);
    const payload = line.encode(
      line.fromObject({ sku: 'a', price: { currency: 'EUR', units: 7 }, at: { seconds: 86_400 } }),
    );
    const record = Buffer.concat([confluentHeader(id), messageIndexBytes([0, 0]), payload.finish()]);

    const decoder = createValueDecoder('protobuf', {
      registry: new SchemaRegistryClient({ url: services.registryUrl }),
    });
    const decoded = await decoder.decode(record, { topic: 't', partition: 0, offset: 0n });
    expect(decoded.row).toEqual({ sku: 'a', price: { currency: 'EUR', units: 7n }, at: 86_400_000_000n });
  });
});

describe('Protobuf field numbers across the versions in the registry', () => {
  it('refuses a version that renumbers a field, even in a decoder that never saw the earlier version', async () => {
    // Unique text: the registry gives equal schema text one id across subjects.
    const name = uniqueName('protonum');
    const subject = `${name}-value`;
    const v1 = `syntax = "proto3"; package ${name}; message Order { int64 id = 1; string email = 2; }`;
    const v2 = `syntax = "proto3"; package ${name}; message Order { int64 id = 1; string email = 3; string note = 4; }`;
    await register(subject, { schema: v1 });
    const id = await register(subject, { schema: v2 });
    const registry = new SchemaRegistryClient({ url: services.registryUrl });
    expect((await registry.getEarlierVersions(id)).map((e) => [e.subject, e.version])).toEqual([
      [subject, 1],
    ]);

    const root = new protobuf.Root();
    protobuf.parse(v2, root, { keepCase: true });
    const order = root.lookupType(`${name}.Order`);
    const payload = order.encode(order.fromObject({ id: 1, email: 'a@b' })).finish();
    const record = Buffer.concat([confluentHeader(id), messageIndexBytes([0]), payload]);
    const decoder = createValueDecoder('protobuf', { registry });
    const error = await decoder.decode(record, { topic: 't', partition: 2, offset: 9n }).then(
      () => expect.fail('decoded'),
      (e: unknown) => e as Error,
    );
    expect(error.message).toBe(
      `t[2]@9: field ${name}.Order.email has number 3 in schema id ${id}, but 2 in subject ${subject} version 1: ` +
        "a renumbered Protobuf field is refused (its column would take another field's values)",
    );
  });
});

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
    const started = Date.now();
    const produced: Array<Record<string, unknown>> = [];
    for (const version of [1, 2, 3]) produced.push(...(await produceVersion(topic, pkg, version)));
    expect(produced).toHaveLength(3 * PER_VERSION);

    const subject = await fetch(`${services.registryUrl}/subjects/${topic}-value/versions`);
    expect(await subject.json()).toEqual([1, 2, 3]);

    const producedAt = Date.now();
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

    const landedAt = Date.now();
    const rows = (await expectReadersAgree(readerCatalog('rest', setup), [table])).get(table)!;
    const byId = (a: Record<string, unknown>, b: Record<string, unknown>) =>
      (a.id as number) - (b.id as number);
    rows.sort(byId);
    produced.sort(byId);
    expect(rows).toHaveLength(produced.length);
    for (let i = 0; i < produced.length; i++) {
      if (JSON.stringify(rows[i]) !== JSON.stringify(produced[i])) expect(rows[i]).toEqual(produced[i]);
    }
    const seconds = (from: number, to: number) => ((to - from) / 1000).toFixed(1);
    console.log(
      `[protobuf] ${produced.length} records: produced in ${seconds(started, producedAt)} s, ` +
        `landed in ${seconds(producedAt, landedAt)} s, read by three readers in ${seconds(landedAt, Date.now())} s`,
    );
  }, 600_000); // Spark starts a JVM: ~30 s on a quiet machine, minutes on a loaded one
});
