// The invariant of a keyed seed's table, checked where an append seed's rows
// are (invariants.ts): the table, read with its position deletes and deletion
// vectors applied (keyed-table-reader.ts), equals the replay of the changes
// below the offsets it records, per key the latest by offset, or with order.by
// the highest version (a tie: the later offset; a delete carries no version,
// so an upsert after it always applies). Every key at most once, no
// equality-delete file, the second engine's rows kept; at the end it equals the
// replay of the whole log (the keys of a partition it records below the log's
// end wait for the run that catches it up). A routed seed's table replays the
// changes that reach it (KeyedInvariants.#reaches).
import type { TableMetadata } from '../../src/iceberg/table-metadata.ts';
import type { KeyedTableReader, KeyedTableView } from './keyed-table-reader.ts';
import type { Scenario } from './scenario.ts';
import type { ModelChange, SimulatedKafka } from './simulated-kafka.ts';
import type { Violation } from './violation.ts';

/** `topic:partition` -> the next offset the table records. */
export type Offsets = ReadonlyMap<string, bigint>;

interface Expected {
  readonly seq: number;
  readonly ver: number | undefined;
  readonly tp: string;
  readonly offset: bigint;
}

/**
 * Per key, the row the replay of the changes below `upTo` leaves (undefined:
 * every change) in one table: `reaches` says which changes go there.
 */
export function replay(
  kafka: SimulatedKafka,
  orderBy: boolean,
  upTo: Offsets | undefined,
  reaches: (change: ModelChange) => boolean = () => true,
): Map<string, Expected> {
  const rows = new Map<string, Expected>();
  for (const r of kafka.produced) {
    const change = r.change;
    if (change === undefined || !reaches(change)) continue;
    const tp = `${r.topic}:${r.partition}`;
    if (upTo !== undefined && r.offset >= (upTo.get(tp) ?? 0n)) continue;
    if (change.kind === 'delete') {
      rows.delete(change.key);
      continue;
    }
    const held = rows.get(change.key);
    if (orderBy && held !== undefined && change.ver! < held.ver!) continue; // stale: an older version
    rows.set(change.key, { seq: change.seq, ver: change.ver, tp, offset: r.offset });
  }
  return rows;
}

export class KeyedInvariants {
  readonly #scenario: Scenario;
  readonly #kafka: SimulatedKafka;
  readonly #reader: KeyedTableReader;

  constructor(scenario: Scenario, kafka: SimulatedKafka, reader: KeyedTableReader) {
    this.#scenario = scenario;
    this.#kafka = kafka;
    this.#reader = reader;
  }

  /** Whether the table must exist at the end: some change upserted a key there. */
  mustExist(name: string): boolean {
    const reaches = this.#reaches(name);
    return this.#kafka.produced.some((r) => r.change?.kind === 'upsert' && reaches(r.change));
  }

  /**
   * Which changes go to the table: all of one table's; on a routed seed an
   * upsert goes to its route's table, a delete to the table its `before` names,
   * or to every table (a tombstone, a `before` with only the key).
   */
  #reaches(name: string): (change: ModelChange) => boolean {
    const { routes, kind } = this.#scenario;
    if (kind !== 'routed') return () => true;
    return (change) =>
      change.route === undefined ? change.kind === 'delete' : routes.get(change.route) === name;
  }

  async check(
    name: string,
    metadata: TableMetadata,
    offsets: Offsets,
    engineRows: ReadonlySet<string>,
    /** At the end: the partitions (`topic:partition`) the table records below their log's end. */
    lagging?: ReadonlySet<string>,
  ): Promise<Violation[]> {
    const view = await this.#reader.read(metadata);
    const out: Violation[] = view.problems.map((detail) => ({
      invariant: 'keyed-files',
      detail: `${name}: ${detail}`,
    }));
    const orderBy = this.#scenario.keyed!.orderBy;
    const reaches = this.#reaches(name);
    const upTo = replay(this.#kafka, orderBy, offsets, reaches);
    out.push(...this.#compare(name, view, upTo, engineRows, 'keyed-replay'));
    if (lagging === undefined) return out;
    // The whole log's replay, for the keys of every partition but the lagging ones.
    const home = new Map(this.#kafka.produced.map((r) => [r.change?.key, `${r.topic}:${r.partition}`]));
    const due = (key: string) => !lagging.has(home.get(key) ?? '');
    const whole = new Map([...replay(this.#kafka, orderBy, undefined, reaches)].filter(([key]) => due(key)));
    const rows = { ...view, rows: view.rows.filter((r) => due(r.id)) };
    out.push(...this.#compare(name, rows, whole, engineRows, 'complete'));
    return out;
  }

  #compare(
    name: string,
    view: KeyedTableView,
    expected: ReadonlyMap<string, Expected>,
    engineRows: ReadonlySet<string>,
    invariant: string,
  ): Violation[] {
    const out: Violation[] = [];
    const seen = new Map<string, string>();
    for (const row of view.rows) {
      const twice = seen.get(row.id);
      seen.set(row.id, row.at);
      if (twice !== undefined) {
        out.push({
          invariant: 'key-once',
          detail: `${name}: key ${row.id} is live twice (${twice}, ${row.at})`,
        });
        continue;
      }
      if (engineRows.has(row.id)) continue;
      const want = expected.get(row.id);
      if (want === undefined)
        out.push({
          invariant,
          detail: `${name}: key ${row.id} is live (n${row.seq}, ${row.at}) but the replay of the recorded changes deletes it or never had it`,
        });
      else if (row.seq !== want.seq || row.note !== `n${want.seq}`)
        out.push({
          invariant,
          detail: `${name}: key ${row.id} holds n${row.seq} (note ${row.note}, ${row.at}), the replay n${want.seq} (${want.tp}@${want.offset}${want.ver === undefined ? '' : `, ver ${want.ver}`})`,
        });
    }
    for (const [key, want] of expected) {
      if (!seen.has(key))
        out.push({
          invariant,
          detail: `${name}: key ${key} is missing, the replay holds n${want.seq} (${want.tp}@${want.offset})`,
        });
    }
    for (const id of engineRows) {
      if (!seen.has(id))
        out.push({ invariant: 'exactly-once', detail: `${name}: the engine's row ${id} is gone` });
    }
    return out;
  }
}
