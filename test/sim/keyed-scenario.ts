// The keyed share of the seeds (docs/exactly-once.md, "The simulation"): a
// connector in `mode: upsert` or `mode: cdc` (Debezium JSON without schemas)
// over a small key space, so that keys are updated, deleted and inserted
// again many times; the key from `key.fields` or from the Kafka key (a JSON
// record); with `order.by` a version column whose values arrive out of order;
// a v2 table (position-delete files) or a v3 one (deletion vectors); one
// table or three routed by a field, where a tombstone (or a Debezium delete
// whose `before` holds only the key) goes to every table. Drawn after the
// append scenario's draws, so an append seed's scenario stays what it was
// before keyed seeds existed.
import type { Rng } from './rng.ts';

export interface KeyedScenario {
  readonly mode: 'upsert' | 'cdc';
  /** `fields`: key.fields [id]; `kafka`: the Kafka key, a JSON record {"id": ...}. */
  readonly keySource: 'fields' | 'kafka';
  /** order.by `ver`: a change whose version is below the key's current one is dropped. */
  readonly orderBy: boolean;
  /** How far back a change's version may lie behind its production order (0: in order). */
  readonly versionJitter: number;
  readonly formatVersion: 2 | 3;
  /** Distinct keys: few, so that most changes update or delete a key the table holds. */
  readonly keys: number;
  /** Chance that a change deletes its key (a tombstone, or a Debezium `d`). */
  readonly deleteRate: number;
  /** cdc: `cdc.tombstones` (Debezium follows each delete with a tombstone). */
  readonly tombstones: 'ignore' | 'delete';
  /**
   * Routed by the value's `route` field to the tables a, b and rare (scenario.ts);
   * a key's upserts may move between tables. Drawn after everything else.
   */
  readonly routed: boolean;
  /** cdc: `before` holds the key's last row (REPLICA IDENTITY FULL), not only the key. */
  readonly fullBefore: boolean;
}

/** Share of the seeds that run a keyed connector. */
export const KEYED_SHARE = 1 / 3;

export function drawKeyed(rng: Rng): Omit<KeyedScenario, 'routed' | 'fullBefore'> | undefined {
  if (!rng.chance(KEYED_SHARE)) return undefined;
  const mode = rng.chance(0.6) ? 'upsert' : 'cdc';
  const orderBy = rng.chance(0.5);
  return {
    mode,
    keySource: mode === 'cdc' || rng.chance(0.5) ? 'kafka' : 'fields',
    orderBy,
    versionJitter: orderBy ? rng.pick([0, 3, 8]) : 0,
    formatVersion: rng.chance(0.5) ? 3 : 2,
    keys: rng.pick([3, 6, 12, 25]),
    deleteRate: rng.pick([0.1, 0.2, 0.3]),
    tombstones: rng.chance(0.5) ? 'delete' : 'ignore',
  };
}

export function describeKeyed(k: KeyedScenario): string {
  return [
    `keyed ${k.mode}${k.mode === 'cdc' ? ` (debezium json, tombstones ${k.tombstones})` : ''}`,
    `key from ${k.keySource === 'fields' ? 'key.fields [id]' : 'the Kafka key'}`,
    `${k.keys} keys, deletes ${k.deleteRate}`,
    k.orderBy ? `order.by ver (jitter ${k.versionJitter})` : 'offset order',
    `v${k.formatVersion}`,
    ...(k.routed ? ['routed by route (a, b, rare)'] : []),
    ...(k.mode === 'cdc' && k.fullBefore ? ['before: the whole row'] : []),
  ].join(', ');
}
