// Issue 10, defect 1: a routed connector duplicated rows on a plain restart,
// because the rarely routed table lagged (only tables that got rows were
// committed) and the fence let the re-read batch move the other table's
// offsets backwards.
import { describe, expect, it } from 'vitest';
import { feed, record, routedSettings, stack, table } from '../../../support/in-process-connector.ts';

const routed = routedSettings();

function topic(b: number, a: number) {
  const records = [];
  for (let i = 0; i < b; i++) records.push(record(0, i, { id: i, kind: 'b' }));
  for (let i = b; i < b + a; i++) records.push(record(0, i, { id: i, kind: 'a' }));
  return records;
}

describe('routed connector restart', () => {
  it('restarts without duplicates when one route is rare', async () => {
    const s = stack();
    const records = topic(10, 500);
    const first = s.runtime(routed);
    await first.assign([{ topic: 't', partition: 0 }]);
    await feed(first, records, 50);
    expect(await s.rows(table('a'))).toBe(500);
    expect(await s.rows(table('b'))).toBe(10);
    // Every table records every partition the connector read.
    expect((await s.offsets(table('b'), 'routed')).get(0)).toBe(510n);

    const second = s.runtime(routed);
    const resume = await second.assign([{ topic: 't', partition: 0 }]);
    const from = Number(resume.get('t:0') ?? 0n);
    await feed(second, records.slice(from), 50);
    expect(await s.rows(table('a'))).toBe(500);
    expect(await s.rows(table('b'))).toBe(10);
    expect((await s.offsets(table('a'), 'routed')).get(0)).toBe(510n);
  });

  it('never moves a table offset backwards when a lagging table makes the partition re-read', async () => {
    const s = stack();
    const records = topic(10, 500);
    const runtime = s.runtime(routed);
    await runtime.assign([{ topic: 't', partition: 0 }]);
    await feed(runtime, records, 50);
    // A restart that re-reads from offset 0 (a lagging table, or a reset group).
    const again = s.runtime(routed);
    await again.assign([{ topic: 't', partition: 0 }]);
    again.startAt({ topic: 't', partition: 0 }, 0n);
    await feed(again, records.slice(0, 100), 50);
    expect((await s.offsets(table('a'), 'routed')).get(0)).toBe(510n);
    await feed(again, records.slice(100), 50);
    expect(await s.rows(table('a'))).toBe(500);
  });
});
