// The offsets live in snapshot summaries; another engine's maintenance
// (compaction, then expire_snapshots keeping only its own snapshot) removed
// every one of them, and floe fell back to the group offset: a restart re-read
// everything. The same commit now also moves a table property, which expiry
// keeps; a rollback of main still takes the offsets back with the data.
import { describe, expect, it } from 'vitest';
import { branchHead } from '../../../../src/iceberg/table-metadata.ts';
import { SnapshotProducer } from '../../../../src/sink/snapshot-producer.ts';
import { feed, record, settings, stack, table } from '../../../support/in-process-connector.ts';

const single = settings('keeper', { kind: 'single', table: table('k') });
const tp = { topic: 't', partition: 0 };
const rows = (from: number, to: number) =>
  Array.from({ length: to - from }, (_, i) => record(0, from + i, { id: from + i, kind: 'a' }));

describe('offsets under other engines’ maintenance', () => {
  it('survive an expiry that keeps only a foreign snapshot', async () => {
    const s = stack();
    const runtime = s.runtime(single);
    await runtime.assign([tp]);
    await feed(runtime, rows(0, 50), 25);
    // Another engine commits (no floe offsets in its summary), then expires everything before it.
    await new SnapshotProducer(s.catalog, s.io).append(table('k'), {
      dataFiles: [],
      decide: () => ({ kind: 'commit', summary: { 'spark.app.id': 'compaction' } }),
    });
    const { metadata } = await s.catalog.loadTable(table('k'));
    const head = branchHead(metadata, 'main')!;
    const older = metadata.snapshots.filter((x) => x.snapshotId !== head.snapshotId).map((x) => x.snapshotId);
    await s.catalog.commitTable(
      table('k'),
      [{ type: 'assert-ref-snapshot-id', ref: 'main', snapshotId: head.snapshotId }],
      [{ action: 'remove-snapshots', snapshotIds: older }],
    );
    const restarted = s.runtime(single);
    expect((await restarted.assign([tp])).get('t:0')).toBe(50n);
    await feed(restarted, rows(50, 60), 10);
    expect((await s.offsets(table('k'), 'keeper')).get(0)).toBe(60n);
  });

  it('follow main back when it is rolled back past floe’s commits', async () => {
    const s = stack();
    const runtime = s.runtime(single);
    await runtime.assign([tp]);
    await feed(runtime, rows(0, 20), 10);
    const { metadata } = await s.catalog.loadTable(table('k'));
    const first = metadata.snapshots[0]!;
    await s.catalog.commitTable(
      table('k'),
      [],
      [{ action: 'set-snapshot-ref', refName: 'main', type: 'branch', snapshotId: first.snapshotId }],
    );
    const restarted = s.runtime(single);
    expect((await restarted.assign([tp])).get('t:0')).toBe(10n);
  });
});
