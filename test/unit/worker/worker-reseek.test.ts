// Issue 10, defect 6: after a fenced batch, a routing connector whose route
// table had not recorded the partition threw "cannot tell where ... resumes"
// and the worker exited. It must re-read from what the tables record.
import { describe, expect, it } from 'vitest';
import { SnapshotProducer } from '../../../src/sink/snapshot-producer.ts';
import { feed, record, routedSettings, stack, table } from '../../support/in-process-connector.ts';
import { scriptedWorker } from '../../support/scripted-consumer.ts';

const routed = routedSettings(10);
const tp = { topic: 't', partition: 0 };
const records = (from: number, to: number) =>
  Array.from({ length: to - from }, (_, i) => record(0, from + i, { id: from + i, kind: 'a' }));

describe('worker re-seek after a fenced batch', () => {
  it('re-reads a routed connector from its tables instead of exiting', async () => {
    const s = stack();
    const seed = s.runtime(routed);
    await seed.assign([tp]);
    await feed(seed, records(0, 10), 10); // table b never exists

    const runtime = s.runtime(routed);
    const { worker, stop, consumer } = scriptedWorker(
      runtime,
      [tp],
      [
        async () => {
          // Another writer (a zombie's successor) moves table a to 15 meanwhile.
          await new SnapshotProducer(s.catalog, s.io).append(table('a'), {
            dataFiles: [],
            decide: () => ({ kind: 'commit', summary: { 'floe.offsets.routed': '{"t":{"0":15}}' } }),
          });
          return records(10, 20);
        },
        async () => records(15, 25),
      ],
      // The script's second poll is what the consumer delivers once sought to 15, after the fenced commit.
      { pipelineCommits: false },
    );
    expect(await worker.run(stop.signal)).toBe(0);
    expect(consumer().context.starts?.get('t:0')).toBe(10n);
    expect(consumer().context.seeks).toEqual([{ ...tp, offset: 15n }]);
    expect(await s.rows(table('a'))).toBe(20);
    expect((await s.offsets(table('a'), 'routed')).get(0)).toBe(25n);
  });
});
