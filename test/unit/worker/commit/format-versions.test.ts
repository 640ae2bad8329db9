// Issue 10, defect 7: v1 snapshots must not carry a sequence number (spec:
// "Sequence Numbers"), and v3 tables, which floe cannot write yet (row
// lineage), are refused with an error naming the table instead of failing
// every commit.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { UnsupportedError } from '../../../../src/errors.ts';
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

  it('refuses a v3 table with an error naming it', async () => {
    const s = stack();
    const base = settings('v3', { kind: 'single', table: table('v3') });
    const runtime = s.runtime({
      ...base,
      autoCreate: { ...base.autoCreate, properties: { 'format-version': '3' } },
    });
    await runtime.assign([tp]);
    const error = await runtime.processRun(rows(1), 0, 1).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnsupportedError);
    expect(String(error)).toContain('r.v3');
  });
});
