// A keyed connector routed by a field of the value (route.field): a tombstone
// has no value to route by. It must still delete the key from the table its
// upserts were routed to: a delete without the routing field goes to every
// table of the route (record-route.ts deleteTargets), where a key that is
// absent is a no-op. Found in review (it went to the fallback table or was an
// 'unroutable' record error, and the row stayed). A Debezium delete whose
// `before` names no table of the route goes to every table too: under the
// default replica identity the routing value is the column type's default (an
// audit found such a delete stopped the worker as 'unroutable'). One whose
// `before` names a table goes there only (two topics may share keys). A
// fanned-out delete is a no-op in a table where another partition holds its
// key (a review found it stopped the worker as 'key-in-two-partitions').
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { currentSchema } from '../../../../src/iceberg/table-metadata.ts';
import { readParquetRows } from '../../../../src/parquet/parquet-row-reader.ts';
import type { ConnectorSettings, DecodedRecord } from '../../../../src/worker/connector-settings.ts';
import { tableLiveFiles } from '../../../../src/worker/upsert/table-live-files.ts';
import {
  jsonConverter,
  routedSettings,
  type Stack,
  stack,
  table,
} from '../../../support/in-process-connector.ts';
import { jsonUpsertConnector, keyedChange } from '../../../support/keyed-json-connector.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function keyedRouted(): ConnectorSettings {
  const indexDir = mkdtempSync(join(tmpdir(), 'floe-keyed-routed-'));
  dirs.push(indexDir);
  const keyed = jsonUpsertConnector('connectors/routed.yaml', indexDir);
  return { ...routedSettings(), keyed };
}

/**
 * A cdc connector over the test's JSON values: `{"op": "d", ...}` is a delete
 * whose `before` row is the rest of the value, as Debezium sends it under the
 * default replica identity (the key, and defaults for NOT NULL columns).
 */
function cdcRouted(): ConnectorSettings {
  const base = keyedRouted();
  const upsert = base.keyed!;
  return {
    ...base,
    keyed: {
      ...upsert,
      mode: 'cdc',
      event: (record) => {
        const decoded = jsonConverter.convert(record) as DecodedRecord;
        const { op, ...before } = decoded.row as Record<string, unknown>;
        if (op === 'd') return { kind: 'delete', row: before, schema: decoded.schema, source: null };
        return { kind: 'upsert', op: 'c', row: decoded.row, schema: decoded.schema, source: null };
      },
    },
  };
}

/** The ids of the table's live rows (position deletes applied). */
async function liveIds(s: Stack, name: string): Promise<bigint[]> {
  const metadata = (await s.catalog.loadTable(table(name))).metadata;
  const ids: bigint[] = [];
  for (const file of await tableLiveFiles(s.io, metadata, name)) {
    readParquetRows(await s.io.read(file.path), currentSchema(metadata), file.path).forEach(
      (row, position) => {
        if (!file.deleted.has(position)) ids.push(row.id as bigint);
      },
    );
  }
  return ids;
}

describe('keyed connector routed by a field', () => {
  it('a tombstone deletes the key from the table its upserts were routed to', async () => {
    const s = stack();
    const runtime = s.runtime(keyedRouted());
    await runtime.assign([{ topic: 't', partition: 0 }]);
    const upserts = [keyedChange(0, 1, { id: 1, kind: 'a' }), keyedChange(1, 2, { id: 2, kind: 'b' })];
    await runtime.processRun(upserts, 0, upserts.length);
    await runtime.commit();
    const tombstones = [keyedChange(2, 1, null), keyedChange(3, 2, null)];
    await runtime.processRun(tombstones, 0, tombstones.length);
    await runtime.commit();
    expect(await s.offsets(table('a'), 'routed')).toEqual(new Map([[0, 4n]]));
    expect(await liveIds(s, 'a')).toEqual([]);
    expect(await liveIds(s, 'b')).toEqual([]);
  });

  it('a tombstone leaves the same key of another partition in another routed table', async () => {
    const s = stack();
    const runtime = s.runtime(keyedRouted());
    await runtime.assign([
      { topic: 't', partition: 0 },
      { topic: 't', partition: 1 },
    ]);
    const run = async (records: ReturnType<typeof keyedChange>[]) => {
      await runtime.processRun(records, 0, records.length);
    };
    // Key 1 is in a by partition 0 and in b by partition 1: each table has it from one partition.
    await run([keyedChange(0, 1, { id: 1, kind: 'a' })]);
    await run([keyedChange(0, 1, { id: 1, kind: 'b' }, 1)]);
    await runtime.commit();
    // Partition 0's tombstone goes to a and b; b's key 1 is partition 1's (the key index says so).
    await run([keyedChange(1, 1, null)]);
    // In one batch: b's key 2 comes before partition 0's tombstone of it, key 3 after.
    await run([keyedChange(1, 2, { id: 2, kind: 'b' }, 1)]);
    await run([keyedChange(2, 2, null), keyedChange(3, 3, null)]);
    await run([keyedChange(2, 3, { id: 3, kind: 'b' }, 1)]);
    await runtime.commit();
    expect(await liveIds(s, 'a')).toEqual([]);
    expect((await liveIds(s, 'b')).sort()).toEqual([1n, 2n, 3n]);
    expect(await s.offsets(table('b'), 'routed')).toEqual(
      new Map([
        [0, 4n],
        [1, 3n],
      ]),
    );
  });

  it("after a restart, the holding partition's tombstone deletes its key though another partition's came first", async () => {
    const s = stack();
    const parts = [
      { topic: 't', partition: 0 },
      { topic: 't', partition: 1 },
    ];
    const first = s.runtime(keyedRouted());
    await first.assign(parts);
    await first.processRun([keyedChange(0, 1, { id: 1, kind: 'a' })], 0, 1);
    await first.processRun([keyedChange(0, 1, { id: 1, kind: 'b' }, 1)], 0, 1);
    await first.commit();
    // A new runtime loads each partition's index part when the partition first writes to a table.
    const second = s.runtime(keyedRouted());
    await second.assign(parts);
    await second.processRun([keyedChange(1, 1, null)], 0, 1);
    await second.processRun([keyedChange(1, 1, null, 1)], 0, 1);
    await second.commit();
    expect(await liveIds(s, 'a')).toEqual([]);
    expect(await liveIds(s, 'b')).toEqual([]);
  });

  it('tombstones for a routed table that does not exist ask the catalog once a batch', async () => {
    const s = stack();
    const loadTable = vi.spyOn(s.catalog, 'loadTable');
    const runtime = s.runtime(keyedRouted());
    await runtime.assign([{ topic: 't', partition: 0 }]);
    const upserts = [keyedChange(0, 1, { id: 1, kind: 'a' })];
    await runtime.processRun(upserts, 0, upserts.length);
    await runtime.commit();
    const asked = () => loadTable.mock.calls.filter(([id]) => id.name === 'b').length;
    const before = asked();
    const tombstones = Array.from({ length: 50 }, (_, i) => keyedChange(1 + i, 100 + i, null));
    await runtime.processRun(tombstones, 0, tombstones.length);
    expect(asked() - before).toBe(1);
    await runtime.commit();
    const next = asked();
    await runtime.processRun([keyedChange(51, 7, null)], 0, 1);
    expect(asked() - next).toBe(1); // the next batch asks again: another worker may have made it
    expect(await liveIds(s, 'a')).toEqual([1n]);
  });

  it.each([
    ['a default routing value', ''],
    ['no routing value', undefined],
    ['its table', 'a'],
  ])('a Debezium delete whose before has %s deletes the key where its upserts went', async (_, kind) => {
    const s = stack();
    const runtime = s.runtime(cdcRouted());
    await runtime.assign([{ topic: 't', partition: 0 }]);
    const upserts = [keyedChange(0, 1, { id: 1, kind: 'a' }), keyedChange(1, 2, { id: 2, kind: 'b' })];
    await runtime.processRun(upserts, 0, upserts.length);
    await runtime.commit();
    const before = kind === undefined ? { op: 'd', id: 1 } : { op: 'd', id: 1, kind };
    const deletes = [keyedChange(2, 1, before)];
    await runtime.processRun(deletes, 0, deletes.length);
    await runtime.commit();
    expect(await liveIds(s, 'a')).toEqual([]);
    expect(await liveIds(s, 'b')).toEqual([2n]);
  });

  it('a Debezium delete whose before names a table deletes there only', async () => {
    const s = stack();
    const runtime = s.runtime(cdcRouted());
    await runtime.assign([{ topic: 't', partition: 0 }]);
    // key 1 moved from a to b: its old row stays in a (each table is keyed on its own)
    const upserts = [keyedChange(0, 1, { id: 1, kind: 'a' }), keyedChange(1, 1, { id: 1, kind: 'b' })];
    await runtime.processRun(upserts, 0, upserts.length);
    await runtime.commit();
    const deletes = [keyedChange(2, 1, { op: 'd', id: 1, kind: 'b' })];
    await runtime.processRun(deletes, 0, deletes.length);
    await runtime.commit();
    expect(await liveIds(s, 'a')).toEqual([1n]);
    expect(await liveIds(s, 'b')).toEqual([]);
  });
});
