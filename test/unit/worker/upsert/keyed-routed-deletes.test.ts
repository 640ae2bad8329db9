// A keyed connector routed by a field of the value (route.field): a tombstone
// has no value to route by. It must still delete the key from the table its
// upserts were routed to: a delete without the routing field goes to every
// table of the route (record-route.ts deleteTargets), where a key that is
// absent is a no-op. Found in review (it went to the fallback table or was an
// 'unroutable' record error, and the row stayed). A Debezium delete whose
// `before` names no table of the route goes to every table too: under the
// default replica identity the routing value is the column type's default (an
// audit found such a delete stopped the worker as 'unroutable'). One whose
// `before` names a table goes there only (two topics may share keys).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
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
