// floe run's maintainer decision on a real table (SQLite catalog, local files):
// the offsets floe's commits record in the snapshot summaries, the connectors'
// topics (a list, a pattern) and what each connector holds now
// (cli/group-maintainer.ts over maintenance/maintenance-owner.ts).
import { describe, expect, it } from 'vitest';
import { groupMaintainer } from '../../../src/cli/group-maintainer.ts';
import type { ConnectorRuntime } from '../../../src/worker/connector-runtime.ts';
import { appendRows } from '../../support/floe-append.ts';
import { tempSqlTable } from '../../support/temp-sql-table.ts';

/** A connector runtime as the decision sees it: its name, its topics, the partitions it holds. */
function runtime(name: string, topics: string[] | RegExp, holds: string[]): ConnectorRuntime {
  return {
    settings: { name, topics },
    owns: (topic: string, partition: number) => holds.includes(`${topic}:${partition}`),
  } as unknown as ConnectorRuntime;
}

describe('groupMaintainer', () => {
  it('decides from the offsets the table’s snapshots record for this worker’s connectors', async () => {
    const t = await tempSqlTable();
    const fresh = (await t.catalog.loadTable(t.id)).metadata;
    // No offsets yet: whoever commits maintains.
    expect(groupMaintainer([runtime('orders', ['clicks'], [])])(fresh).kind).toBe('maintain');

    await appendRows(t.catalog, t.io, t.id, [{ id: 1n }], {
      'floe.offsets.orders': JSON.stringify({ clicks: { 1: 10, 0: 5, 2: 7 } }),
      'floe.offsets.audit': JSON.stringify({ audit: { 0: 3 } }),
    });
    const { metadata } = await t.catalog.loadTable(t.id);
    const first = { connector: 'orders', topic: 'clicks', partition: 0 };
    expect(groupMaintainer([runtime('orders', ['clicks'], ['clicks:0'])])(metadata)).toEqual({
      kind: 'maintain',
      reason: 'holds-first-partition',
      first,
    });
    expect(groupMaintainer([runtime('orders', /^cli/, ['clicks:1', 'clicks:2'])])(metadata)).toEqual({
      kind: 'skip',
      reason: 'another-worker',
      first,
    });
    // Another connector's offsets count only when this worker runs it ("audit" < "orders").
    expect(
      groupMaintainer([runtime('orders', ['clicks'], ['clicks:0']), runtime('audit', ['audit'], [])])(
        metadata,
      ),
    ).toEqual({
      kind: 'skip',
      reason: 'another-worker',
      first: { connector: 'audit', topic: 'audit', partition: 0 },
    });
    // A connector that no longer reads the recorded topic: as if nothing were recorded.
    expect(groupMaintainer([runtime('orders', ['views'], [])])(metadata).kind).toBe('maintain');
    await t.catalog.close();
  });
});
