// Issue 10, defect 7: v1 snapshots must not carry a sequence number (spec:
// "Sequence Numbers"); v3 tables get row lineage (spec: "Row Lineage"): each
// snapshot's first-row-id is the table's next-row-id before it, which advances
// by its added-rows.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { feed, record, settings, stack, table } from '../../../support/in-process-connector.ts';

const tp = { topic: 't', partition: 0 };
const rows = (n: number) => Array.from({ length: n }, (_, i) => record(0, i, { id: i, kind: 'a' }));

describe('format versions', () => {
  it('appends to a v1 table without sequence numbers in its metadata', async () => {
    const s = stack();
    const base = settings('v1', { kind: 'single', table: table('v1') });
    const runtime = s.runtime({
      ...base,
      autoCreate: { ...base.autoCreate, properties: { 'format-version': '1' } },
    });
    await runtime.assign([tp]);
    await feed(runtime, rows(30), 10);
    const loaded = await s.catalog.loadTable(table('v1'));
    expect(loaded.metadata.formatVersion).toBe(1);
    expect(await s.rows(table('v1'))).toBe(30);
    const json = JSON.parse(readFileSync(fileURLToPath(loaded.metadataLocation), 'utf8'));
    expect(json['last-sequence-number']).toBeUndefined();
    for (const snapshot of json.snapshots) expect(snapshot['sequence-number']).toBeUndefined();
  });

  it('appends to a v3 table with row lineage through the worker', async () => {
    const s = stack();
    const base = settings('v3', { kind: 'single', table: table('v3') });
    const runtime = s.runtime({
      ...base,
      autoCreate: { ...base.autoCreate, properties: { 'format-version': '3' } },
    });
    await runtime.assign([tp]);
    await feed(runtime, rows(30), 10);
    const { metadata } = await s.catalog.loadTable(table('v3'));
    expect(metadata.formatVersion).toBe(3);
    expect(await s.rows(table('v3'))).toBe(30);
    const snapshots = [...metadata.snapshots].sort((a, b) => a.sequenceNumber - b.sequenceNumber);
    let next = 0n;
    for (const snapshot of snapshots) {
      expect(snapshot.firstRowId).toBe(next);
      next = snapshot.firstRowId! + snapshot.addedRows!;
    }
    expect(metadata.nextRowId).toBe(next);
    expect(next >= 30n).toBe(true);
  });
});
