// Tables committed one at a time (REST without /transactions/commit): a commit
// that stopped after the first table, when the second table had never recorded
// the partition, lost that table's records for good. Every table now records a
// partition before any table moves past it (claim-partitions.ts).
import { describe, expect, it } from 'vitest';
import type { Catalog } from '../../../../src/catalog/catalog.ts';
import { silentLogger } from '../../../../src/log.ts';
import { ConnectorRuntime } from '../../../../src/worker/connector-runtime.ts';
import { noMetrics } from '../../../../src/worker/worker-metrics.ts';
import { record, routedSettings, stack, table } from '../../../support/in-process-connector.ts';

const routed = routedSettings();
const tp = { topic: 't', partition: 0 };

function oneByOne(inner: Catalog, crashOn: string | undefined): Catalog {
  return new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop === 'supportsMultiTableCommit') return async () => false;
      if (prop === 'commitTable')
        return async (...args: Parameters<Catalog['commitTable']>) => {
          if (crashOn !== undefined && args[0].name === crashOn) throw new Error('process killed here');
          return target.commitTable(...args);
        };
      const value = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

describe('tables committed one at a time', () => {
  it('keeps the rows of a table new to the partition when the commit stops between tables', async () => {
    const s = stack();
    const records = [
      ...Array.from({ length: 10 }, (_, i) => record(0, i, { id: i, kind: 'a' })),
      ...Array.from({ length: 10 }, (_, i) => record(0, 10 + i, { id: 10 + i, kind: 'b' })),
    ];
    const first = new ConnectorRuntime({
      settings: routed,
      catalog: oneByOne(s.catalog, 'b'),
      io: s.io,
      log: silentLogger,
      metrics: noMetrics,
    });
    await first.assign([tp]);
    await first.processRun(records, 0, records.length);
    await expect(first.commit()).rejects.toThrow('process killed here');

    // Restart.
    const second = new ConnectorRuntime({
      settings: routed,
      catalog: oneByOne(s.catalog, undefined),
      io: s.io,
      log: silentLogger,
      metrics: noMetrics,
    });
    const resume = await second.assign([tp]);
    const from = Number(resume.get('t:0') ?? 0n);
    const rest = records.slice(from);
    if (rest.length > 0) await second.processRun(rest, 0, rest.length);
    await second.commit();
    console.log('resume at', from, 'a rows', await s.rows(table('a')), 'b rows', await s.rows(table('b')));
    expect(await s.rows(table('a'))).toBe(10);
    expect(await s.rows(table('b'))).toBe(10); // fails: 0, records 10..19 lost
  });
});

describe('review: non-atomic multi-table commit, no crash', () => {
  it('keeps a new table’s rows when its part of the batch is fenced after the first table landed', async () => {
    const s = stack();
    const records = [
      ...Array.from({ length: 10 }, (_, i) => record(0, i, { id: i, kind: 'a' })),
      record(0, 10, { id: 10, kind: 'b' }),
      ...Array.from({ length: 9 }, (_, i) => record(0, 11 + i, { id: 11 + i, kind: 'b', extra: 'x' })),
    ];
    const catalog = oneByOne(s.catalog, undefined);
    const runtime = new ConnectorRuntime({
      settings: routed,
      catalog,
      io: s.io,
      log: silentLogger,
      metrics: noMetrics,
    });
    await runtime.assign([tp]);
    await runtime.processRun(records, 0, records.length);
    // Another worker (serving partition 1) adds its own new column to b first: it takes field id 3.
    const b = (await s.catalog.loadTable(table('b'))).metadata;
    const current = b.schemas.find((x) => x.schemaId === b.currentSchemaId)!;
    await s.catalog.commitTable(
      table('b'),
      [{ type: 'assert-last-assigned-field-id', lastAssignedFieldId: b.lastColumnId }],
      [
        {
          action: 'add-schema',
          schema: {
            ...current,
            schemaId: current.schemaId + 1,
            fields: [
              ...current.fields,
              { id: b.lastColumnId + 1, name: 'other', required: false, type: { kind: 'string' } },
            ],
          },
          lastColumnId: b.lastColumnId + 1,
        },
        { action: 'set-current-schema', schemaId: -1 },
      ] as never,
    );
    await expect(runtime.commit()).rejects.toThrow(/field id/);
    // What BatchCommits.settle does next: re-seek from the tables.
    const seek = await runtime.reseekOffsets([tp]);
    const from = Number(seek.get('t:0'));
    const rest = records.slice(from);
    if (rest.length > 0) await runtime.processRun(rest, 0, rest.length);
    await runtime.commit();
    console.log('re-seek to', from, 'a', await s.rows(table('a')), 'b', await s.rows(table('b')));
    expect(await s.rows(table('a'))).toBe(10);
    expect(await s.rows(table('b'))).toBe(10); // fails: 0
  });
});
