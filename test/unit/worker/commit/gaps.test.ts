// Issue 10, defect 3: the fence never checked where a batch began, so a batch
// that started above a table's recorded offset moved the table past records it
// never read. A gap is refused; a gap made by retention is committed only with
// an explicit record of the lost offsets.
import { describe, expect, it } from 'vitest';
import { branchHead } from '../../../../src/iceberg/table-metadata.ts';
import { FencedBatchError } from '../../../../src/worker/commit/commit-batch.ts';
import { retentionLossProperty } from '../../../../src/worker/commit/table-offsets.ts';
import { feed, record, settings, stack, table } from '../../../support/in-process-connector.ts';

const single = settings('gaps', { kind: 'single', table: table('g') });
const tp = { topic: 't', partition: 0 };
const records = (from: number, to: number) =>
  Array.from({ length: to - from }, (_, i) => record(0, from + i, { id: from + i, kind: 'a' }));

async function seeded() {
  const s = stack();
  const first = s.runtime(single);
  await first.assign([tp]);
  await feed(first, records(0, 100), 50);
  return s;
}

describe('gaps in the offsets', () => {
  it('refuses a batch that starts above what the table records', async () => {
    const s = await seeded();
    const runtime = s.runtime(single);
    await runtime.assign([tp]);
    runtime.startAt(tp, 400n); // e.g. a backfill --from past the table
    await runtime.processRun(records(400, 450), 0, 50);
    await expect(runtime.commit()).rejects.toMatchObject({ name: FencedBatchError.name, fence: 'offsets' });
    expect((await s.offsets(table('g'), 'gaps')).get(0)).toBe(100n);
    expect(await s.rows(table('g'))).toBe(100);
  });

  it('commits a retention gap only with an explicit record of the lost offsets', async () => {
    const s = await seeded();
    const runtime = s.runtime(single);
    runtime.useLogStart(async () => 300n);
    await runtime.assign([tp]);
    await runtime.processRun(records(300, 350), 0, 50);
    await runtime.commit();
    const head = branchHead((await s.catalog.loadTable(table('g'))).metadata, 'main')!;
    expect(head.summary[retentionLossProperty('gaps')]).toBe('{"t":{"0":[["100","300"]]}}');
    expect((await s.offsets(table('g'), 'gaps')).get(0)).toBe(350n);
  });

  it('takes a jump over a hole (compaction, transaction markers) as no loss', async () => {
    const s = await seeded();
    const runtime = s.runtime(single);
    runtime.useLogStart(async () => 0n);
    await runtime.assign([tp]);
    await runtime.processRun(records(180, 200), 0, 20);
    await runtime.commit();
    const head = branchHead((await s.catalog.loadTable(table('g'))).metadata, 'main')!;
    expect(head.summary[retentionLossProperty('gaps')]).toBeUndefined();
    expect((await s.offsets(table('g'), 'gaps')).get(0)).toBe(200n);
  });

  it('refuses records below the reading position (the log went back) and commits nothing of the batch', async () => {
    const s = await seeded();
    const runtime = s.runtime(single);
    await runtime.assign([tp]); // resumes at 100
    await runtime.processRun(records(100, 110), 0, 10);
    await expect(runtime.processRun(records(40, 60), 0, 20)).rejects.toThrow(
      /below 110.*truncated or the topic re-created/,
    );
    expect(runtime.hasBatch).toBe(false);
    expect(await s.rows(table('g'))).toBe(100);
  });
});
