// The producers of a keyed seed (keyed-scenario.ts): changes over a small key
// space, each key always in the same partition (the topic is keyed by it, as
// floe requires), as upserts, deletes and re-inserts. Upsert mode: the value
// row, a null value (tombstone) deleting. cdc mode: Debezium envelopes as
// JsonConverter writes them without schemas (`c` for a key not live, `u`
// otherwise, `d` with `before` holding only the key, as Postgres' default
// replica identity sends it, or the key's last route with REPLICA IDENTITY
// FULL on a routed seed), each delete followed by its tombstone. With
// order.by the version `ver` lags the production order by up to the jitter, so
// older versions arrive later. Each record carries its change for the replay
// (keyed-replay.ts); malformed values carry none.
import type { Scenario } from './scenario.ts';
import type { SimWorld } from './sim-world.ts';
import type { ModelChange, ProducedRecord } from './simulated-kafka.ts';

export class KeyedProducer {
  readonly #world: SimWorld;
  readonly #scenario: Scenario;
  /** Keys whose last change was an upsert: cdc's `c` or `u`. */
  readonly #live = new Set<string>();
  /** A routed seed: the route value of each key's last upsert. */
  readonly #routeOf = new Map<string, string>();

  constructor(world: SimWorld, scenario: Scenario) {
    this.#world = world;
    this.#scenario = scenario;
  }

  /** Appends change number `n` (a delete also appends its tombstone in cdc mode). */
  produce(n: number, versionFields: Record<string, unknown>): ProducedRecord {
    const { kafka } = this.#world;
    const rng = this.#world.rng.data;
    const s = this.#scenario;
    const k = s.keyed!;
    const index = rng.int(k.keys);
    const key = `k${index}`;
    const partition = index % s.partitions;
    if (rng.chance(s.markerRate)) kafka.appendMarker(s.topic, partition);
    const kind = rng.chance(k.deleteRate) ? 'delete' : rng.chance(s.malformedRate) ? 'malformed' : 'upsert';
    const ver = k.orderBy ? Math.max(0, n - rng.int(k.versionJitter + 1)) : undefined;
    // A routed seed's upsert names its table; the key may move between tables.
    const route = k.routed && kind === 'upsert' ? rng.weighted(s.routeWeights) : undefined;
    const row = {
      id: key,
      seq: n,
      ...(ver === undefined ? {} : { ver }),
      note: `n${n}`,
      ...(route === undefined ? {} : { route }),
      ...versionFields,
    };
    // REPLICA IDENTITY FULL: a delete's before names the table of the key's last row.
    const named =
      k.mode === 'cdc' && k.routed && k.fullBefore && kind === 'delete' ? this.#routeOf.get(key) : undefined;
    let value: string | null;
    if (kind === 'malformed') value = `{"id": "${key}", broken`;
    else if (k.mode === 'upsert') value = kind === 'delete' ? null : JSON.stringify(row);
    else {
      const op = kind === 'delete' ? 'd' : this.#live.has(key) ? 'u' : 'c';
      value = JSON.stringify({
        before: kind === 'delete' ? { id: key, ...(named === undefined ? {} : { route: named }) } : null,
        after: kind === 'delete' ? null : row,
        op,
        source: { ts_ms: this.#world.clock.now(), lsn: n },
      });
    }
    if (kind === 'upsert') this.#live.add(key);
    if (kind === 'delete') this.#live.delete(key);
    if (route !== undefined) this.#routeOf.set(key, route);
    const change: ModelChange | undefined =
      kind === 'malformed'
        ? undefined
        : {
            key,
            kind,
            seq: n,
            ...(ver === undefined ? {} : { ver }),
            ...((route ?? named) === undefined ? {} : { route: (route ?? named)! }),
          };
    const produced = this.#append(partition, key, value, change);
    this.#world.log.add(
      `produce ${s.topic}:${partition}@${produced.offset} ${kind} ${key}${kind === 'upsert' ? ` n${n}${ver === undefined ? '' : ` ver ${ver}`}` : ''}${(route ?? named) === undefined ? '' : ` route ${route ?? named}`}`,
    );
    if (k.mode === 'cdc' && kind === 'delete') {
      // Debezium's tombstone after the delete: a second delete of an absent key, or ignored.
      const tombstone: ModelChange | undefined =
        k.tombstones === 'delete' ? { key, kind, seq: n } : undefined;
      const after = this.#append(partition, key, null, tombstone);
      this.#world.log.add(`produce ${s.topic}:${partition}@${after.offset} tombstone ${key}`);
    }
    return produced;
  }

  #append(partition: number, key: string, value: string | null, change: ModelChange | undefined) {
    const s = this.#scenario;
    const { clock } = this.#world;
    const keyBytes = Buffer.from(s.keyed!.keySource === 'fields' ? key : JSON.stringify({ id: key }));
    const valueBytes = value === null ? null : Buffer.from(value);
    return this.#world.kafka.append(s.topic, partition, (offset) => ({
      id: undefined,
      table: undefined,
      ...(change === undefined ? {} : { change }),
      record: {
        topic: s.topic,
        partition,
        offset,
        timestampMs: clock.now(),
        key: keyBytes,
        value: valueBytes,
        headers: [],
        sizeBytes: keyBytes.length + (valueBytes?.length ?? 0),
      },
    }));
  }
}
