// The producers writing to the simulated topic while the workers run: JSON
// values with a unique `id`, a `route` field (skewed: one route is rare), and
// from time to time a new schema version that adds a field, so that records
// with new fields reach several workers at once. Some values must land in no
// table: tombstones and malformed JSON (the connector skips them).

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
  #count = 0;
  #version = 0;

  constructor(world: SimWorld, scenario: Scenario) {
    this.#world = world;
    this.#scenario = scenario;
  }

  get count(): number {
    return this.#count;
  }

  /** Appends one record to a random partition (sometimes after a transaction marker). */
  produce(): ProducedRecord {
    const { kafka, clock } = this.#world;
    const rng = this.#world.rng.data;
    const s = this.#scenario;
    const partition = rng.int(s.partitions);
    if (rng.chance(s.markerRate)) kafka.appendMarker(s.topic, partition);
    if (rng.chance(s.schemaBumpRate) && this.#version < VERSION_FIELDS.length - 1) this.#version++;
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
      const fields: Record<string, unknown> = { id, seq: n, route, note: `n${n}` };
      for (let v = 1; v <= this.#version; v++) Object.assign(fields, VERSION_FIELDS[v]!(n));
      value = Buffer.from(JSON.stringify(fields));
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
}
