// A keyed table compacted by floe's maintenance between two batches (the
// rewrite applies the position deletes and replaces the files the key index
// points at): the next batch's deletes against the replaced files are refused
// by the row delta's validation (fence `deletes`), the worker re-reads the
// batch, the index is brought up to date with the compacted table (re-pointed
// from the new files: keyed-compaction-repoint.test.ts), and the table still
// equals the replay of every change.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { currentSchema } from '../../../../src/iceberg/table-metadata.ts';
import { compactTable } from '../../../../src/maintenance/compaction-run.ts';
import { readParquetRows } from '../../../../src/parquet/parquet-row-reader.ts';
import { FencedBatchError } from '../../../../src/worker/commit/commit-batch.ts';
import type { ConnectorSettings } from '../../../../src/worker/connector-settings.ts';
import type { KafkaRecord } from '../../../../src/worker/kafka-types.ts';
import { fileAttribution } from '../../../../src/worker/upsert/file-attribution.ts';
import { tableLiveFiles } from '../../../../src/worker/upsert/table-live-files.ts';
import { Rng } from '../../../sim/rng.ts';
import { settings, stack, table } from '../../../support/in-process-connector.ts';
import { jsonUpsertConnector, keyedChange } from '../../../support/keyed-json-connector.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function keyedSettings(): ConnectorSettings {
  const indexDir = mkdtempSync(join(tmpdir(), 'floe-keyed-'));
  dirs.push(indexDir);
  return {
    ...settings('k', { kind: 'single', table: table('k') }),
    keyed: jsonUpsertConnector('connectors/k.yaml', indexDir),
  };
}

it('a compaction between batches fences the next row delta; re-read on an index brought up to date, the table equals the replay', async () => {
  const rng = new Rng(7);
  const s = stack();
  const runtime = s.runtime(keyedSettings());
  const tp = { topic: 't', partition: 0 };
  await runtime.assign([tp]);
  const all: KafkaRecord[] = [];
  const batch = () =>
    Array.from({ length: 40 }, () => {
      const id = rng.int(30);
      const record = keyedChange(all.length, id, rng.chance(0.15) ? null : { id, v: `v${all.length}` });
      all.push(record);
      return record;
    });
  for (let i = 0; i < 4; i++) {
    const records = batch();
    await runtime.processRun(records, 0, records.length);
    await runtime.commit();
  }
  const compacted = await compactTable(s.catalog, s.io, table('k'), { quietMs: 0, force: true });
  expect(compacted.filesRewritten).toBeGreaterThan(1);

  const records = batch();
  await runtime.processRun(records, 0, records.length);
  const error = await runtime.commit().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(FencedBatchError);
  expect((error as FencedBatchError).fence).toBe('deletes');
  // What the worker does with a fenced batch: drop it, seek back to the table's offsets, read again.
  runtime.discard();
  const seek = await runtime.reseekOffsets([tp]);
  const from = Number(seek.get('t:0'));
  expect(from).toBe(160);
  await runtime.processRun(all, from, all.length);
  await runtime.commit();
  const last = batch();
  await runtime.processRun(last, 0, last.length);
  await runtime.commit();

  const replay = new Map<string, string>();
  for (const record of all) {
    const id = record.key!.toString();
    if (record.value === null) replay.delete(id);
    else replay.set(id, (JSON.parse(record.value.toString()) as { v: string }).v);
  }
  const metadata = (await s.catalog.loadTable(table('k'))).metadata;
  const live = new Map<string, string>();
  for (const file of await tableLiveFiles(s.io, metadata, 'r.k')) {
    expect(fileAttribution(file.path), file.path).toEqual({ topic: 't', partition: 0 });
    readParquetRows(await s.io.read(file.path), currentSchema(metadata), file.path).forEach((row, pos) => {
      if (file.deleted.has(pos)) return;
      expect(live.has(String(row.id))).toBe(false);
      live.set(String(row.id), String(row.v));
    });
  }
  expect(new Map([...live].sort())).toEqual(new Map([...replay].sort()));
});
