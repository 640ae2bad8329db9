// Two topics feeding one keyed table (a connector of topics [t, u], one route):
// a key lives in one Kafka partition, and a key arriving from a partition of
// the other topic has no order against the first. It goes to the error policy
// naming topic, partition, offset and key, whether the first partition's change
// is in the same batch or in the key index (committed before). Was: not seen
// (the collapser and the index looked at partitions of the same topic only),
// and the table held the key twice.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ConnectorSettings } from '../../../../src/worker/connector-settings.ts';
import type { KafkaRecord } from '../../../../src/worker/kafka-types.ts';
import { settings, stack, table } from '../../../support/in-process-connector.ts';
import { jsonUpsertConnector, keyedChange } from '../../../support/keyed-json-connector.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function twoTopics(): ConnectorSettings {
  const indexDir = mkdtempSync(join(tmpdir(), 'floe-keyed-two-topics-'));
  dirs.push(indexDir);
  const base = settings('k2', { kind: 'single', table: table('k2') });
  const keyed = jsonUpsertConnector('connectors/k2.yaml', indexDir);
  return { ...base, topics: ['t', 'u'], errors: { kind: 'fail' }, keyed };
}

const onTopic = (topic: string, record: KafkaRecord): KafkaRecord => ({ ...record, topic });

describe('keyed connector of two topics into one table', () => {
  it.each([
    ['in the same batch', false],
    ['in the key index (committed before)', true],
  ])(
    'a key arriving from the other topic is a record error naming both places (%s)',
    async (_, commitFirst) => {
      const s = stack();
      const runtime = s.runtime(twoTopics());
      await runtime.assign([
        { topic: 't', partition: 0 },
        { topic: 'u', partition: 0 },
      ]);
      const t = [keyedChange(0, 1, { id: 1, v: 'from t' }), keyedChange(1, 2, { id: 2, v: 'from t' })];
      await runtime.processRun(t, 0, t.length);
      if (commitFirst) await runtime.commit();
      const u = [
        onTopic('u', keyedChange(0, 3, { id: 3, v: 'from u' })),
        onTopic('u', keyedChange(1, 1, { id: 1, v: 'from u' })),
      ];
      await runtime.processRun(u, 0, u.length);
      const failure = runtime.failure;
      expect(failure?.message).toBe(
        `u[0]@1: key ["1"] is also in another partition (t[0]${commitFirst ? ', in the key index' : '@0'}); upsert needs each key in one partition: key the topic by it (docs/upsert.md)`,
      );
      expect(failure?.context).toMatchObject({
        topic: 'u',
        partition: 0,
        offset: '1',
        key: '["1"]',
        reason: 'key-in-two-partitions',
      });
    },
  );
});
