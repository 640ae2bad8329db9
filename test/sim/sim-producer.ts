// The producers writing to the simulated topic while the workers run: JSON
// values with a unique `id`, a `route` field (skewed: one route is rare), and
// from time to time a new schema version that adds a field, so that records
// with new fields reach several workers at once. Some values must land in no
// table: tombstones and malformed JSON (the connector skips them).

import { KeyedProducer } from './keyed-producer.ts';
import type { Scenario } from './scenario.ts';
import type { SimWorld } from './sim-world.ts';
import type { ProducedRecord } from './simulated-kafka.ts';

/** Fields each schema version adds (JSON inference: string, long, boolean). */
const VERSION_FIELDS: ReadonlyArray<(n: number) => Record<string, unknown>> = [
  () => ({}),
  (n) => ({ color: ['red', 'green', 'blue'][n % 3] }),
  (n) => ({ size: n * 7 }),
  (n) => ({ flag: n % 2 === 0 }),
];

export class SimProducer {
  readonly #world: SimWorld;
  readonly #scenario: Scenario;
  readonly #keyed: KeyedProducer | undefined;
  #count = 0;
  #version = 0;

  constructor(world: SimWorld, scenario: Scenario) {
    this.#world = world;
    this.#scenario = scenario;
    this.#keyed = scenario.keyed ? new KeyedProducer(world, scenario) : undefined;
  }

  get count(): number {
    return this.#count;
  }

  /** Appends one record to a random partition (sometimes after a transaction marker); a keyed seed's change. */
  produce(): ProducedRecord {
    const { kafka, clock } = this.#world;
    const rng = this.#world.rng.data;
    const s = this.#scenario;
    if (this.#keyed) {
      this.#bump();
      const n = this.#count++;
      return this.#keyed.produce(n, this.#fields(n));
    }
    const partition = rng.int(s.partitions);
    if (rng.chance(s.markerRate)) kafka.appendMarker(s.topic, partition);
    this.#bump();
    const n = this.#count++;
    const id = `r${n}`;
    const route = rng.weighted(s.routeWeights);
    const kind = rng.chance(s.tombstoneRate)
      ? 'tombstone'
      : rng.chance(s.malformedRate)
        ? 'malformed'
        : 'row';
    let value: Buffer | null = null;
    if (kind === 'malformed') value = Buffer.from(`{"id": "${id}", broken`);
    if (kind === 'row') {
      value = Buffer.from(JSON.stringify({ id, seq: n, route, note: `n${n}`, ...this.#fields(n) }));
    }
    const key = Buffer.from(id);
    const table = kind === 'row' ? (s.routes.get(route) ?? s.routes.get('*')) : undefined;
    const produced = kafka.append(s.topic, partition, (offset) => ({
      id: kind === 'row' ? id : undefined,
      table,
      record: {
        topic: s.topic,
        partition,
        offset,
        timestampMs: clock.now(),
        key,
        value,
        headers: [],
        sizeBytes: key.length + (value?.length ?? 0),
      },
    }));
    this.#world.log.add(
      `produce ${s.topic}:${partition}@${produced.offset} ${kind}${kind === 'row' ? ` ${id}->${table}` : ''}`,
    );
    return produced;
  }

  /** From time to time the producers move to the next schema version. */
  #bump(): void {
    if (
      this.#world.rng.data.chance(this.#scenario.schemaBumpRate) &&
      this.#version < VERSION_FIELDS.length - 1
    )
      this.#version++;
  }

  /** The fields the current schema version adds. */
  #fields(n: number): Record<string, unknown> {
    const fields: Record<string, unknown> = {};
    for (let v = 1; v <= this.#version; v++) Object.assign(fields, VERSION_FIELDS[v]!(n));
    return fields;
  }
}
